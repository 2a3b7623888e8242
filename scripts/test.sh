#!/usr/bin/env bash
# The project's test command: installs what the tests need (skipped when already there),
# checks style and types (ruff, mypy --strict), then runs pytest with your arguments,
# e.g. `bash scripts/test.sh -k stream -q`.
# Works on a fresh Debian machine as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export DEBIAN_FRONTEND=noninteractive PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
PYTHON=${PYTHON:-python3}
CONSTRAINTS=scripts/constraints-test.txt
SYSTEM_PACKAGES=(chromium fonts-liberation fonts-noto-cjk fonts-noto-color-emoji)  # CJK and emoji show in screenshots

step() { printf '==> %s\n' "$*"; }

run_quietly() {  # Show a command's output only when it fails.
    local log
    log=$(mktemp)
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log"
        rm -f "$log"
        echo "FAILED: $*" >&2
        return 1
    fi
    rm -f "$log"
}

install_system_packages() {
    if [[ -x /usr/bin/chromium ]] && dpkg -s "${SYSTEM_PACKAGES[@]}" >/dev/null 2>&1; then
        step "Chromium and fonts: already installed"
        return
    fi
    if ! command -v apt-get >/dev/null; then
        step "No apt-get: install ${SYSTEM_PACKAGES[*]} yourself (browser tests need /usr/bin/chromium)"
        return
    fi
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    step "Installing ${SYSTEM_PACKAGES[*]} with apt-get (a few minutes the first time)"
    run_quietly "${sudo[@]}" apt-get update -q
    run_quietly "${sudo[@]}" apt-get install -y -q "${SYSTEM_PACKAGES[@]}"
}

install_python_packages() {
    if "$PYTHON" scripts/deps_installed.py test -c "$CONSTRAINTS"; then
        step "Python packages: already installed"
        return
    fi
    step "Installing this package and its test dependencies (pip install -e .[test])"
    run_quietly "$PYTHON" -m pip install --no-input -e ".[test]" -c "$CONSTRAINTS"
}

install_gateway_proxy() {  # LiteLLM for tests/gateway: its own virtualenv, never llm_magic's dependency
    local requirement venv
    requirement=$(grep -v '^[[:space:]]*#' scripts/gateway-requirements.txt | grep -m1 .)
    venv=${LLM_MAGIC_LITELLM_VENV:-$HOME/.cache/llm_magic/litellm-${requirement##*==}}
    if [[ -f $venv/.installed && $(cat "$venv/.installed") == "$requirement" ]]; then
        step "LiteLLM proxy ($requirement): already installed in $venv"
        return
    fi
    step "Installing $requirement into $venv for the gateway tests (about 3 minutes the first time)"
    rm -rf "$venv"
    run_quietly "$PYTHON" -m venv "$venv"
    # --no-compile: byte-compiling LiteLLM's thousands of files would compete with the tests for CPU
    run_quietly "$venv/bin/python" -m pip install --no-input --no-compile "$requirement"
    if compgen -G "$venv/lib/python*/site-packages/litellm*.pth" >/dev/null; then
        echo "FAILED: $requirement installed a .pth file (the 2026 compromise did): not using it" >&2
        rm -rf "$venv"
        return 1
    fi
    echo "$requirement" >"$venv/.installed"
}

lint() {  # Style and types first: a few seconds, and a failure here names the file and line.
    step "ruff check"
    "$PYTHON" -m ruff check llm_magic tests benchmarks scripts
    step "mypy --strict llm_magic"
    "$PYTHON" -m mypy --strict llm_magic
}

run_pytest() {  # pytest's status; 5 (nothing collected) is an error of the arguments
    local status=0
    "$PYTHON" -m pytest "$@" || status=$?
    if [[ $status -eq 5 ]]; then
        echo "pytest collected no tests: check the arguments or the test paths" >&2
        return 1
    fi
    return "$status"
}

started=$SECONDS
install_system_packages
install_python_packages
if [[ $# -gt 0 ]]; then  # a chosen part of the suite: everything it may need first, then pytest as asked
    install_gateway_proxy
    lint
    step "Running pytest $* (setup took $((SECONDS - started)) s)"
    run_pytest "$@"
    exit $?
fi
# The whole suite: LiteLLM (minutes to download) installs while the rest of the suite runs.
gateway_log=$(mktemp)
install_gateway_proxy >"$gateway_log" 2>&1 &
gateway_install=$!
lint
step "Running pytest, all but the gateway group (setup took $((SECONDS - started)) s)"
status=0
run_pytest -m "not gateway" --durations=15 || status=$?
step "Waiting for the LiteLLM install"
gateway_status=0
wait "$gateway_install" || gateway_status=$?
cat "$gateway_log"
rm -f "$gateway_log"
if [[ $gateway_status -ne 0 ]]; then
    echo "FAILED: installing the LiteLLM proxy for the gateway tests" >&2
    exit 1
fi
step "Running pytest -m gateway (a real LiteLLM proxy)"
run_pytest -m gateway || status=$?
step "All done in $((SECONDS - started)) s"
exit "$status"
