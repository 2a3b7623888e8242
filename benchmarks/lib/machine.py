"""What a result depends on: date, CPU, cores, load, Python and package versions."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

#: distribution name → import name of every package a row of the table mentions
PACKAGES = {
    "llm_magic": "llm_magic", "ipython": "IPython", "ipykernel": "ipykernel",
    "requests": "requests", "urllib3": "urllib3", "ipywidgets": "ipywidgets",
    "python-dotenv": "dotenv", "jupyter_client": "jupyter_client",
    "openai": "openai", "litellm": "litellm", "llm": "llm", "jupyter-ai-magics": "jupyter_ai_magics",
}


def cpu_model() -> str:
    """The first ``model name`` line of /proc/cpuinfo (the platform string elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def version(distribution: str) -> str | None:
    """Installed version, or None: alternatives are measured only when this is not None."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, object]:
    return {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "load_average_start": load_average(),
        "packages": {name: version(name) or "not installed" for name in PACKAGES},
    }
