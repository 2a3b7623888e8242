"""Decide when to redraw a growing answer: often while it is short, rarely once it is long.

Each update resends the whole output, so redrawing at a fixed rate costs O(n²) bytes. A byte
budget keeps the total linear: an update is allowed only while everything sent so far plus
this update stays within ``budget`` times the current size. Short answers therefore refresh
every ``min_interval`` (4 times a second); long ones slow down in proportion to their length.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Throttle:
    """Counts bytes sent and says whether a redraw of ``size`` bytes is due now."""

    def __init__(self, *, min_interval: float = 0.25, budget: float = 6.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.min_interval = min_interval
        self.budget = budget
        self.clock = clock
        self.sent = 0
        self.updates = 0
        self._last = float("-inf")

    def ready(self) -> bool:
        """Enough time passed since the last redraw (cheap: checked before building the output)."""
        return self.clock() - self._last >= self.min_interval

    def allows(self, size: int) -> bool:
        """Everything sent so far plus ``size`` more bytes stays within the budget."""
        return self.sent + size <= self.budget * size

    def due(self, size: int) -> bool:
        return self.ready() and self.allows(size)

    def record(self, size: int) -> None:
        """Note a redraw that was sent (forced ones included: they count against the budget)."""
        self.sent += size
        self.updates += 1
        self._last = self.clock()
