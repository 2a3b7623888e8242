"""What every measurement gets: the mode, the server, which alternatives are installed, and a
way to run ``worker.py`` in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .machine import version
from .server import BENCH_DIR, BenchServer, child_env

#: import name used by worker.py → distribution name checked for "installed"
CLIENT_DISTRIBUTIONS = {"openai": "openai", "litellm": "litellm", "llm": "llm"}


@dataclass
class Context:
    quick: bool
    server: BenchServer
    alternatives: bool = True
    started: float = field(default_factory=time.monotonic)

    def installed(self, distribution: str) -> bool:
        return self.alternatives and version(distribution) is not None

    def client_alternatives(self) -> list[str]:
        """The alternative client libraries worker.py can drive on this machine."""
        return [name for name, dist in CLIENT_DISTRIBUTIONS.items() if self.installed(dist)]

    def log(self, message: str) -> None:
        """Progress goes to stderr, so ``--json`` output stays clean."""
        print(f"[{time.monotonic() - self.started:6.1f} s] {message}", file=sys.stderr, flush=True)

    def worker(self, mode: str, clients: list[str], **options: object) -> dict:
        """Run ``worker.py MODE`` against the server and return its JSON."""
        args = [sys.executable, str(BENCH_DIR / "worker.py"), mode, "--clients", ",".join(clients),
                "--base-url", self.server.base_url, "--key", self.server.key]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        env = child_env({"LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600,
                              cwd=str(BENCH_DIR))
        if done.returncode != 0:
            raise RuntimeError(f"worker {mode} {clients} failed: {done.stderr.strip()[-800:]}")
        return json.loads(done.stdout)
