"""What a front end holds in a cell's output area, rebuilt from the messages a kernel (or
``capture_output``) sent: ``display_data`` appends an output, ``update_display_data`` replaces
every output with its ``display_id``, ``clear_output`` empties the area (at once, or with
``wait`` before the next output), ``stream`` text joins the stream output before it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class OutputArea:
    """The outputs of one cell as a front end shows them, message after message."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    history: list[list[dict[str, Any]]] = field(default_factory=list)
    _clear_on_next: bool = False

    def apply(self, msg_type: str, content: dict[str, Any]) -> None:
        """Apply one iopub message (``msg_type`` and its ``content``)."""
        if msg_type == "clear_output":
            if content.get("wait"):
                self._clear_on_next = True
            else:
                self.outputs = []
        elif msg_type == "update_display_data":
            display_id = content.get("transient", {}).get("display_id")
            for output in self.outputs:
                if output.get("display_id") == display_id:
                    output["data"], output["metadata"] = content["data"], content.get("metadata", {})
        elif msg_type in ("display_data", "execute_result", "stream", "error"):
            if self._clear_on_next:
                self.outputs, self._clear_on_next = [], False
            self._add(msg_type, content)
        else:
            return
        self.history.append(json.loads(json.dumps(self.outputs)))

    def _add(self, msg_type: str, content: dict[str, Any]) -> None:
        if msg_type == "stream":
            last = self.outputs[-1] if self.outputs else None
            if last is not None and last["output_type"] == "stream" and last["name"] == content["name"]:
                last["text"] += content["text"]
                return
            self.outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            return
        self.outputs.append({"output_type": msg_type, "data": content.get("data", {}),
                             "metadata": content.get("metadata", {}),
                             "display_id": content.get("transient", {}).get("display_id")})

    @classmethod
    def of_messages(cls, messages: list[dict[str, Any]]) -> OutputArea:
        """From a kernel's iopub messages (tests/harness/kernel.py's ``CellRun.messages``)."""
        area = cls()
        for message in messages:
            area.apply(message["msg_type"], message["content"])
        return area

    @classmethod
    def of_captured(cls, captured: Any) -> OutputArea:
        """From ``IPython.utils.capture.capture_output()``'s outputs (updates included)."""
        area = cls()
        for output in captured.outputs:
            content = {"data": output.data, "metadata": output.metadata, "transient": output.transient or {}}
            area.apply("update_display_data" if output.update else "display_data", content)
        return area

    def markdown(self, outputs: list[dict[str, Any]] | None = None) -> list[str]:
        """The Markdown of each output that has any (empty ones left out)."""
        found = []
        for output in self.outputs if outputs is None else outputs:
            text = output.get("data", {}).get("text/markdown", "")
            if text:
                found.append(text)
        return found

    def visible(self) -> list[dict[str, Any]]:
        """The outputs that show something."""
        return [o for o in self.outputs if o.get("output_type") == "stream" or any(o.get("data", {}).values())]
