"""``python benchmarks/run.py``: is llm_magic lighter and faster than the alternatives?

Starts the loopback provider in its own process, runs every measurement (paired, interleaved
runs; medians; ratios taken in the same run), and prints one Markdown table. The openai SDK,
LiteLLM, simonw's llm and jupyter-ai-magics are measured when installed and reported as
"not installed" otherwise; none of them is a dependency.

    python benchmarks/run.py                 # full run, a few minutes on 2 cores
    python benchmarks/run.py --quick --json  # < 1 minute, machine-readable (tests use this)
    python benchmarks/run.py --write         # also rewrite benchmarks/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure_calls
import measure_display
import measure_first_cell
import measure_memory
import measure_startup
import measure_ttft
from lib import machine
from lib.context import Context
from lib.report import Row, markdown, table
from lib.server import BENCH_DIR, BenchServer, compile_checkout

Measure = Callable[[Context], "Row | list[Row]"]
#: target number → measurement, in the order they run (the long display run last)
MEASURES: dict[str, Measure] = {
    "1": measure_startup.startup,
    "2": measure_first_cell.first_cell,
    "9": measure_first_cell.first_token,
    "3": measure_calls.per_call,
    "4": measure_calls.per_token,
    "5": measure_ttft.latency,
    "7": measure_memory.memory,
    "6": measure_display.display,
}
NOTES = [
    "Baselines: (1) `ipython -c pass`; (2) the same cell in a warm kernel; (3) one keep-alive "
    "`requests.Session` + `json.loads`; (4) `Response.iter_lines()` + `json.loads` per event; "
    "(6) a naive renderer sending the whole Markdown on every token.",
    "Server: the project's loopback DeepSeek (`llm_magic.loopback.FakeProvider`) in its own "
    "process (`benchmarks/serve.py`); the prompt `bench tokens=N delay=S` scripts the answer "
    "(Markdown with headings, lists and code; one word per SSE event).",
    "(4) Whole-call wall time divided by tokens, nothing subtracted; the CPU figure is the "
    "client process's own CPU time (the server runs in another process).",
    f"(5) {measure_ttft.METHOD}. A bare `iter_lines` on a close-delimited body waits for 512 "
    "bytes before it yields a line: the reason llm_magic reads raw bytes.",
    "(6) Display messages are iopub `display_data`, `update_display_data`, `clear_output` and "
    "any widget message `comm_open`/`comm_msg`/`comm_close` (the live view sends none). Bytes are "
    "whole messages (JSON header, parent header, metadata and content: what the front end "
    "receives, and what the target is judged on); 'content only' leaves the headers out. The "
    "final size is the UTF-8 size of the data the answer's output ends with (its Markdown and "
    "its plain text, as saved); the ratio to the answer's text alone is given too. Gaps are "
    "between messages that change what is drawn, from the kernel's header dates, from the first "
    "that shows answer text to the last (the wait before it is the server's time to first token: "
    "the bench server builds the whole scripted answer first). 'N outputs → 1': "
    "the outputs the answer used while streaming, and the one that shows something at the end "
    "(the messages replayed as a front end applies them). The naive baseline's messages get the "
    "same header size. Shapes: Markdown with many short blocks, one code block, one paragraph "
    "(`benchmarks/lib/answers.py`).",
    "(8) Mean time of the live view's `changed()` per call, timed in the kernel with "
    "`perf_counter_ns`, over the 1,000 calls around the 1,000th, 10,000th and 50,000th token of "
    "the 50k-token answers; flat: the last window costs at most 2x the first.",
    "(9) The server process appends the wall-clock time of each answer's first text write to a "
    "file; the kernel's iopub header date of the first display showing text is compared to it "
    "(one machine, one clock). Cold: the first `%%llm` cell of a fresh kernel; warm: the next three.",
    "(7) One process, half plain and half streamed `llm_magic` calls, after a 50-call warm-up, "
    "with `gc.collect()` at both ends; RSS from /proc/self/statm.",
    "Bytecode: children run with llm_magic byte-compiled, as `pip install` leaves it (this "
    "machine sets PYTHONDONTWRITEBYTECODE=1, which would otherwise recompile the checkout on "
    "every start while IPython and the alternatives load compiled site-packages).",
    "Alternatives run in their own processes against the same server and baseline; "
    "LiteLLM with LITELLM_LOCAL_MODEL_COST_MAP=True (no network at import), llm through an "
    "extra-openai-models.yaml pointing at the server.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions; display traffic only for two short answers")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--write", action="store_true", help=f"also write {BENCH_DIR / 'RESULTS.md'}")
    parser.add_argument("--only", default="", help="comma-separated target numbers, e.g. 3,4")
    parser.add_argument("--no-alternatives", action="store_true", help="measure llm_magic only")
    parser.add_argument("--note", action="append", default=[],
                        help="a note on this run for RESULTS.md (what else loaded the machine, say)")
    args = parser.parse_args()

    facts = machine.describe()
    chosen = [t for t in MEASURES if not args.only or t in args.only.split(",")]
    rows: list[Row] = []
    errors: list[str] = []
    compile_checkout()
    with BenchServer() as server:
        ctx = Context(quick=args.quick, server=server, alternatives=not args.no_alternatives)
        for target in chosen:
            try:
                result = MEASURES[target](ctx)
            except Exception as error:  # one broken measurement must not hide the others
                traceback.print_exc()
                errors.append(f"target {target}: {error}")
                rows.append(Row(target, "measurement failed", "error", "—", str(error)[:120], "—", None))
                continue
            rows.extend(result if isinstance(result, list) else [result])
    rows.sort(key=lambda row: row.target)
    facts["load_average_end"] = machine.load_average()
    if sys.prefix != sys.base_prefix:
        NOTES.append(
            "This run used a virtualenv that sees the system packages, so the alternatives stay "
            "out of the project's environment (`python -m venv --system-site-packages VENV && "
            "VENV/bin/pip install litellm llm jupyter-ai-magics`; openai is a test extra); none "
            "of them is a dependency of llm_magic.")
    notes = NOTES + args.note + ([] if not args.quick else [
        "Quick mode: display traffic measured only for a 1,000-token Markdown answer at 830 tokens/s and "
        "a 500-token one at 50 tokens/s (no row 8); "
        "fewer rounds everywhere; alternatives skipped in the kernel measurements."])
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    if args.json:
        json.dump({"machine": facts, "quick": args.quick, "errors": errors,
                   "rows": [row.as_dict() for row in rows]}, sys.stdout, indent=1, default=str)
        print()
    else:
        print(table(rows))
    if args.write:
        (BENCH_DIR / "RESULTS.md").write_text(markdown(rows, facts, notes, args.quick, command))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
