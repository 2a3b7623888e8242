"""Shared pieces of the benchmarks: statistics, the loopback server process, client snippets,
machine facts and the report. Entry points live one level up (``run.py``, ``worker.py``, ``serve.py``)."""
