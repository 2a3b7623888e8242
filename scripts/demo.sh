#!/usr/bin/env bash
# The offline demo: runs the quick-start notebook in the terminal against a built-in fake
# provider, so it needs no API key and no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" scripts/deps_installed.py >/dev/null; then
    echo "==> Installing llm_magic (pip install -e .)"
    "$PYTHON" -m pip install --no-input -q -e .
fi
exec "$PYTHON" scripts/run_notebook.py "${1:-notebooks/01_quick_start.ipynb}"
