"""Stop a process tree for good: jupyter-lab starts kernels in their own sessions, so
killing the server's process group alone would leave kernels running."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn: have Linux send SIGTERM to the child when the test process dies, so
    even a killed pytest (CI timeout, Ctrl+\\) leaves no server behind. Note Linux ties
    this to the thread that started the child: start servers from the main thread."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    except OSError:
        pass  # not Linux: the context manager's cleanup still applies


def descendant_pids(root: int) -> list[int]:
    """Every live descendant of `root`, read from /proc (children before grandchildren)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may contain spaces and parentheses: split after the last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes; its parent reaps it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until the processes exit; return those still alive after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [pid for pid in pids if _alive(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def stop_tree(process: subprocess.Popen, leftovers: list[int], grace: float = 5.0) -> None:
    """Terminate `process` (started with start_new_session=True) and the `leftovers` pids
    recorded earlier, escalating to SIGKILL after `grace` seconds."""
    pids = [process.pid, *leftovers]
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for pid in leftovers:
        _signal(pid, signal.SIGTERM)
    for pid in wait_gone(pids, grace):
        _signal(pid, signal.SIGKILL)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    wait_gone(leftovers, grace)
