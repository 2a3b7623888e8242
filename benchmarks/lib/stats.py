"""Paired, interleaved timing: both sides of a ratio run in the same rounds, so drift cancels."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

Timer = Callable[[], float]


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values (a skipped measurement stays visible as NaN)."""
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN instead of ZeroDivisionError."""
    return numerator / denominator if denominator else float("nan")


def paired_rounds(sides: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Run every side once per round, in an order that alternates (ABBA...), and collect times.

    Machine load changes from second to second; interleaving puts both sides under the same
    load, and alternating the order cancels "who ran first" effects such as a warm cache.
    """
    names = list(sides)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        order = names if index % 2 == 0 else names[::-1]
        for name in order:
            samples[name].append(sides[name]())
    return samples


def paired_ratio(samples: dict[str, list[float]], ours: str, baseline: str) -> float:
    """Median of per-round ratios: each round compares runs made under the same load."""
    pairs = zip(samples[ours], samples[baseline], strict=False)
    return median([ratio(a, b) for a, b in pairs])


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported value is one that was measured)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[rank]
