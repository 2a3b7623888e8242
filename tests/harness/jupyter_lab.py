"""A real JupyterLab server on loopback for one test, isolated in a temp dir and always stopped."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import requests
from jupyter_client import BlockingKernelClient

from .processes import descendant_pids, die_with_parent, stop_tree

# Settings that keep a test honest and quiet (see shared/browser-testing.md).
LAB_SETTINGS: dict[str, dict[str, Any]] = {
    # Without saveState widget state is never written, and "the key is not in the
    # saved notebook" would pass trivially.
    "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # Windowing detaches off-screen cells from the DOM, which hides them from locators.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def free_port() -> int:
    """A loopback port that was free a moment ago (jupyter-lab is told not to retry others)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: the widget front end (ipywidgets' JupyterLab extension): disabled, Lab renders no widget at all
WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"


class JupyterLabServer:
    """`with JupyterLabServer(root_dir, env={...}) as lab:` runs jupyter-lab until the block ends.

    Kernels inherit `env` (on top of os.environ), which is how a test points them at a
    loopback fake provider. ``app="notebook"`` runs Notebook 7 instead; ``disabled_extensions``
    (e.g. ``WIDGET_MANAGER``) are switched off in the server's own page config, as a student's
    Lab from another environment than the kernel's lacks them.
    """

    def __init__(self, root_dir: Path, env: Mapping[str, str] | None = None,
                 startup_timeout: float = 60.0, *, app: str = "lab",
                 disabled_extensions: tuple[str, ...] = ()) -> None:
        if app not in ("lab", "notebook"):
            raise ValueError(f"app must be 'lab' or 'notebook', not {app!r}")
        self.app = app
        self.disabled_extensions = disabled_extensions
        self.root_dir = Path(root_dir)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.state_dir = Path(tempfile.mkdtemp(prefix="llm-magic-lab-"))
        self.runtime_dir = self.state_dir / "runtime"
        self.log_path = self.state_dir / "jupyter-lab.log"
        self._extra_env = dict(env or {})
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._clients: list[BlockingKernelClient] = []

    def __enter__(self) -> JupyterLabServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _environment(self) -> dict[str, str]:
        settings_dir = self.state_dir / "lab-settings"
        for plugin, values in LAB_SETTINGS.items():
            path = settings_dir / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        if self.disabled_extensions:
            page_config = self.state_dir / "config" / "labconfig" / "page_config.json"
            page_config.parent.mkdir(parents=True, exist_ok=True)
            page_config.write_text(json.dumps({"disabledExtensions": dict.fromkeys(self.disabled_extensions, True)}))
        return {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(self.state_dir / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
            "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
            "JUPYTERLAB_WORKSPACES_DIR": str(self.state_dir / "workspaces"),
            "IPYTHONDIR": str(self.state_dir / "ipython"),  # no user startup files in kernels
            "JUPYTER_PLATFORM_DIRS": "1",
            **self._extra_env,
        }

    def start(self) -> JupyterLabServer:
        """Start jupyter-lab and wait for /api/status; on any failure stop it and raise."""
        self.root_dir.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "jupyterlab" if self.app == "lab" else "notebook", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            # Concurrent runs would otherwise share one SQLite file in ~/.local/share/jupyter.
            "--NotebookNotary.db_file=:memory:",
        ]
        if self.app == "lab":
            command += ["--LabApp.extension_manager=readonly", "--LabApp.news_url="]
        env = self._environment()
        with open(self.log_path, "wb") as log:
            self._process = subprocess.Popen(
                command, env=env, cwd=self.root_dir, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=die_with_parent)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"jupyter-lab exited with {self._process.returncode}:\n"
                                   + self.log_tail())
            try:
                if self.api("GET", "/api/status", timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"jupyter-lab did not answer within {self._startup_timeout} s:\n"
                           + self.log_tail())

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def api(self, method: str, path: str, timeout: float = 10, **kwargs: Any) -> requests.Response:
        """Call the server's REST API with the token."""
        headers = {"Authorization": f"token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.base_url + path, headers=headers,
                                timeout=timeout, **kwargs)

    def url_for(self, notebook: str) -> str:
        """The URL that opens `notebook` (relative to root_dir) in JupyterLab or Notebook 7."""
        where = "lab/tree" if self.app == "lab" else "notebooks"
        return f"{self.base_url}/{where}/{notebook}?token={self.token}"

    def sessions(self) -> list[dict[str, Any]]:
        """The server's sessions: each has `path` and a `kernel` with `execution_state`."""
        response = self.api("GET", "/api/sessions")
        response.raise_for_status()
        return response.json()

    def session_for(self, notebook: str | None = None) -> dict[str, Any]:
        """The session of `notebook`, or the only session when None."""
        sessions = self.sessions()
        matches = [s for s in sessions if notebook is None or s["path"] == notebook]
        if len(matches) != 1:
            raise LookupError(f"expected one session for {notebook!r}, found "
                              f"{[s['path'] for s in sessions]}")
        return matches[0]

    def kernel_client(self, notebook: str | None = None, timeout: float = 30) -> BlockingKernelClient:
        """A client on the kernel the browser uses; reads state without adding cells.

        Closed automatically by stop()."""
        kernel_id = self.session_for(notebook)["kernel"]["id"]
        client = BlockingKernelClient(connection_file=str(self.runtime_dir / f"kernel-{kernel_id}.json"))
        client.load_connection_file()
        client.start_channels()
        self._clients.append(client)
        client.wait_for_ready(timeout=timeout)
        return client

    def stop(self) -> None:
        """Shut down kernels and server politely, then by signal; remove the temp state."""
        for client in self._clients:
            client.stop_channels()
        self._clients.clear()
        process, self._process = self._process, None
        if process is not None:
            kernels = descendant_pids(process.pid)
            if process.poll() is None:
                try:
                    self.api("POST", "/api/shutdown", timeout=5)
                    process.wait(timeout=10)
                except (requests.RequestException, subprocess.TimeoutExpired):
                    pass
            stop_tree(process, kernels)
        shutil.rmtree(self.state_dir, ignore_errors=True)
