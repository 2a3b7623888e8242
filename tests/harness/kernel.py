"""Run code in a real kernel without a browser: fast checks of what the kernel sends on iopub."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

import nbformat
from jupyter_client import BlockingKernelClient, KernelManager
from nbclient import NotebookClient

KERNEL_NAME = "python3"


@dataclass
class CellRun:
    """One execute request: its iopub messages (in arrival order) and its shell reply."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=dict)

    def of_type(self, *msg_types: str) -> list[dict[str, Any]]:
        """The iopub messages whose msg_type is one of `msg_types`."""
        return [m for m in self.messages if m["msg_type"] in msg_types]

    def displays(self) -> list[tuple[str, str | None]]:
        """(msg_type, transient display_id) for each display_data / update_display_data."""
        return [(m["msg_type"], m["content"].get("transient", {}).get("display_id"))
                for m in self.of_type("display_data", "update_display_data")]

    @property
    def ok(self) -> bool:
        return self.reply.get("content", {}).get("status") == "ok"


@contextmanager
def running_kernel(env: Mapping[str, str] | None = None, cwd: Path | None = None,
                   timeout: float = 30) -> Iterator[BlockingKernelClient]:
    """A fresh kernel with `env` on top of os.environ, shut down (or killed) on exit."""
    manager = KernelManager(kernel_name=KERNEL_NAME)
    manager.start_kernel(env={**os.environ, **(env or {})}, cwd=str(cwd or Path.cwd()))
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=timeout)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
        if manager.is_alive():
            manager.shutdown_kernel(now=True)


def execute(client: BlockingKernelClient, code: str, timeout: float = 30) -> CellRun:
    """Run `code` and collect every iopub message it caused, up to the kernel's idle status."""
    msg_id = client.execute(code)
    run = CellRun()
    while True:
        try:
            message = client.get_iopub_msg(timeout=timeout)
        except Empty:
            raise TimeoutError(f"no idle status within {timeout} s for {code[:60]!r}") from None
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        run.messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    run.reply = _shell_reply(client, msg_id, timeout)
    return run


def _shell_reply(client: BlockingKernelClient, msg_id: str, timeout: float) -> dict[str, Any]:
    """The shell reply to ``msg_id``; others are skipped. On a busy machine ``wait_for_ready`` may
    have sent a second kernel_info request whose late reply would otherwise pass for this one."""
    while True:
        reply: dict[str, Any] = client.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def execute_and_collect(code_cells: Sequence[str], env: Mapping[str, str] | None = None,
                        cwd: Path | None = None, timeout: float = 30) -> list[CellRun]:
    """Run each cell in one fresh kernel and return one CellRun per cell."""
    with running_kernel(env, cwd, timeout) as client:
        return [execute(client, code, timeout) for code in code_cells]


def evaluate(client: BlockingKernelClient, expression: str, timeout: float = 30) -> str:
    """The repr of `expression` in the kernel, read without adding a cell or history entry."""
    msg_id = client.execute("", silent=True, store_history=False,
                            user_expressions={"value": expression})
    reply = _shell_reply(client, msg_id, timeout)
    result = reply["content"]["user_expressions"]["value"]
    if result["status"] != "ok":
        raise RuntimeError(f"{expression!r} failed in the kernel: {result.get('ename')}: "
                           f"{result.get('evalue')}")
    return result["data"]["text/plain"]


def write_notebook(path: Path, code_cells: Sequence[str] = ("",)) -> Path:
    """A notebook file with these code cells and a python3 kernelspec (else Lab asks which kernel)."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in code_cells],
        metadata={"kernelspec": {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def execute_notebook(path: Path, env: Mapping[str, str] | None = None,
                     timeout: float = 60) -> nbformat.NotebookNode:
    """Run a notebook file with nbclient in its own folder; raises CellExecutionError on error."""
    notebook = nbformat.read(str(path), as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name=KERNEL_NAME,
                            resources={"metadata": {"path": str(Path(path).parent)}})
    return client.execute(env={**os.environ, **(env or {})})
