"""Target 1: ``ipython -c "%load_ext llm_magic"`` costs at most 5% more than ``ipython -c "pass"``.

The extension registers its magics and nothing else: requests, ipywidgets and python-dotenv
load on first use. A separate check run lists which of those heavy modules the load imported.
The alternatives are timed the same way (their extension or their import inside ``ipython -c``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from lib.context import Context
from lib.report import Row, ms, times
from lib.server import child_env
from lib.stats import median, paired_ratio, paired_rounds

TARGET = 1.05
HEAVY = ("requests", "urllib3", "ipywidgets", "dotenv", "openai", "httpx")
#: run after the load: which heavy packages and which of our own modules it imported
_CHECK = ("import sys, json, time\n"
          "_t = time.perf_counter()\n"
          "get_ipython().extension_manager.load_extension('llm_magic')\n"
          "_t = time.perf_counter() - _t\n"
          f"print(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules], 'seconds': _t,"
          " 'ours': sorted(m for m in sys.modules if m.startswith('llm_magic'))}))")
#: alternative column → (distribution, code run by ipython -c)
ALTERNATIVES = {
    "jupyter-ai": ("jupyter-ai-magics", "%load_ext jupyter_ai_magics"),
    "openai SDK": ("openai", "import openai"),
    "llm (simonw)": ("llm", "import llm"),
    "LiteLLM": ("litellm", "import litellm"),
}


def _ipython(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "IPython", "-c", code], capture_output=True,
                          text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def _timer(code: str, env: dict[str, str]) -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        _ipython(code, env)
        return time.perf_counter() - start
    return run


def _failure(code: str, env: dict[str, str]) -> str | None:
    """Why ``code`` does not load cleanly, or None (timing a failing load would flatter it)."""
    done = _ipython(code, env)
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or "Error" in output or "not an IPython extension" in output:
        return output[-300:] or f"exit status {done.returncode}"
    return None


def startup(ctx: Context) -> Row:
    rounds, alt_rounds = (5, 2) if ctx.quick else (21, 5)
    with tempfile.TemporaryDirectory(prefix="bench-ipython-") as ipython_dir:
        env = child_env({"IPYTHONDIR": ipython_dir, "LITELLM_LOCAL_MODEL_COST_MAP": "True"})
        ours_code = "%load_ext llm_magic"
        failure = _failure(ours_code, env)  # also creates the profile, off the clock
        check = _ipython(_CHECK, env)
        try:
            loaded = json.loads(check.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            loaded = {"heavy": ["?"], "ours": [], "seconds": float("nan")}
        ctx.log(f"start-up: {rounds} paired rounds")
        samples = paired_rounds({"ours": _timer(ours_code, env), "pass": _timer("pass", env)}, rounds)
        result = paired_ratio(samples, "ours", "pass")
        row = Row("1", "start-up: ipython -c \"%load_ext llm_magic\"", ms(median(samples["ours"])),
                  f"ipython -c pass: {ms(median(samples['pass']))}", times(result), f"≤ {TARGET:.2f}x",
                  None if failure else result <= TARGET,
                  details={"samples": samples, "ratio": result, "loaded": loaded})
        row.note = (f"%load_ext itself took {ms(loaded['seconds'])} in-process; "
                    f"third-party packages it imported: {', '.join(loaded['heavy']) or 'none'} "
                    f"(of {', '.join(HEAVY)}); llm_magic modules imported: {len(loaded['ours'])}"
                    + (" (the engine, llm_magic.engine.client, among them)"
                       if "llm_magic.engine.client" in loaded["ours"] else ""))
        if row.met is False:
            row.note = (f"missed by {result / TARGET - 1:.1%} ({ms(median(samples['ours']) - median(samples['pass']))}"
                        f" over the baseline, the budget is {ms((TARGET - 1) * median(samples['pass']))}). "
                        + row.note)
        if failure:
            row.result = "load failed"
            row.note = f"%load_ext llm_magic failed: {failure}"
        for title, (dist, code) in ALTERNATIVES.items():
            if not ctx.installed(dist):
                row.alternatives[title] = "not installed"
                continue
            why = _failure(code, env)
            if why:
                row.alternatives[title] = "failed to load"
                row.details[title] = why
                continue
            ctx.log(f"start-up: {title}, {alt_rounds} paired rounds")
            alt = paired_rounds({"alt": _timer(code, env), "pass": _timer("pass", env)}, alt_rounds)
            alt_ratio = paired_ratio(alt, "alt", "pass")
            row.alternatives[title] = f"{ms(median(alt['alt']))} ({times(alt_ratio)})"
            row.details[title] = {"samples": alt, "ratio": alt_ratio}
    return row
