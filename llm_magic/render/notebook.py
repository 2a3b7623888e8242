"""Show a streaming answer in a rich front end: one output, updated in place, throttled."""

from __future__ import annotations

from typing import Any

from .document import bundle, size_of
from .state import StreamState
from .throttle import Throttle


class NotebookView:
    """One ``display_id`` output; redraws go through a :class:`Throttle`, the final one always."""

    def __init__(self, state: StreamState, throttle: Throttle | None = None) -> None:
        self.state = state
        self.throttle = throttle or Throttle()
        self.handle: Any = None

    def start(self) -> None:
        from IPython.display import display

        data = bundle(self.state)
        self.handle = display(data, raw=True, metadata=self.state.metadata(), display_id=True)
        self.throttle.record(size_of(data))

    def changed(self, *, force: bool = False) -> None:
        """Redraw if due; ``force`` for news the user must see now (a retry pause)."""
        if not force and not self.throttle.ready():
            return
        data = bundle(self.state)
        size = size_of(data)
        if force or self.throttle.allows(size):
            self.handle.update(data, raw=True, metadata=self.state.metadata())
            self.throttle.record(size)

    def finish(self) -> None:
        self.changed(force=True)
