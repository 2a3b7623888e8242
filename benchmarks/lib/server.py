"""Start and stop the benchmark server process (``serve.py``) and point clients at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1]
REPO_DIR = BENCH_DIR.parent


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for every child: this checkout of llm_magic first, English messages, no
    provider settings leaking in from the developer's shell."""
    env = {k: v for k, v in os.environ.items()
           if not (k.endswith("_API_KEY") or k.endswith("_BASE_URL"))}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH")) if p)
    env["LLM_MAGIC_LANGUAGE"] = "en"
    # An installed wheel has its bytecode compiled at install time (pip does that, as it did
    # for IPython and requests here); a checkout under PYTHONDONTWRITEBYTECODE=1 would instead
    # recompile llm_magic in every child and overstate its start-up. See compile_checkout().
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra or {})
    return env


def compile_checkout() -> None:
    """Byte-compile this checkout's llm_magic once, as ``pip install`` would."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO_DIR / "llm_magic")],
                   env=child_env(), check=False, capture_output=True, timeout=120)


class BenchServer:
    """``with BenchServer() as server:`` → ``server.base_url``, ``server.key``, ``server.env()``."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""
        self.key = ""
        #: the server appends the wall-clock time of each answer's first token here
        self.stamps = Path(tempfile.mkstemp(prefix="bench-first-tokens-", suffix=".txt")[1])

    def first_token_times(self) -> list[float]:
        return [float(line) for line in self.stamps.read_text().split()]

    def __enter__(self) -> BenchServer:
        self.process = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "serve.py")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env=child_env({"BENCH_STAMPS": str(self.stamps)}),
            cwd=str(BENCH_DIR))
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.__exit__()
            raise RuntimeError("the benchmark server did not start (see its stderr above)")
        info = json.loads(line)
        self.base_url, self.key = info["base_url"], info["key"]
        return self

    def __exit__(self, *exc_info: object) -> None:
        process, self.process = self.process, None
        self.stamps.unlink(missing_ok=True)
        if process is None:
            return
        if process.stdin:
            process.stdin.close()  # serve.py stops when its stdin closes
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def env(self) -> dict[str, str]:
        """Variables that make ``%%llm deepseek`` in a child talk to this server."""
        return child_env({"DEEPSEEK_BASE_URL": self.base_url, "DEEPSEEK_API_KEY": self.key})
