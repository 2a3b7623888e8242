"""The benchmark server process: a loopback DeepSeek whose answers follow ``bench ...`` prompts.

It runs in its own process so that on a small machine the client being measured does not share
a GIL with the server. It prints one JSON line (base URL and key), then serves until its stdin
closes (the parent exited or stopped it) or ``--lifetime`` seconds pass.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib.answers import Script


def reply_for(request: object) -> object:
    """``bench`` prompts get a scripted Markdown answer; anything else the loopback's echo."""
    from llm_magic.loopback import Reply
    from llm_magic.loopback.script import default_answer

    prompt = getattr(request, "prompt", "")
    script = Script.parse(prompt)
    if script is None:
        return Reply.answer(default_answer(request))  # type: ignore[arg-type]
    return Reply.answer(script.answer(), delay=script.delay,
                        first_delay=script.first_delay, chunked=script.chunked)


def stamp_first_tokens(path: str) -> None:
    """Append the wall-clock time of each answer's first text event to ``path`` (one per line):
    the moment a token reached the machine, for the kernel's first-visible-token latency."""
    import time

    from llm_magic.loopback.connection import Connection

    original = Connection.write

    def write(self: Connection, data: bytes) -> bool:
        spaced = data.replace(b'":"', b'": "')
        if (not getattr(self, "_bench_stamped", False) and b'"content": "' in spaced
                and b'"content": ""' not in spaced):
            self._bench_stamped = True  # type: ignore[attr-defined]
            with open(path, "a") as log:
                log.write(f"{time.time():.6f}\n")
        return original(self, data)

    Connection.write = write  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lifetime", type=float, default=1800, help="stop after this many seconds")
    args = parser.parse_args()
    from llm_magic.loopback import FakeProvider

    if os.environ.get("BENCH_STAMPS"):
        stamp_first_tokens(os.environ["BENCH_STAMPS"])

    with FakeProvider("deepseek", default_reply=reply_for) as server:
        print(json.dumps({"base_url": server.base_url, "key": server.key}), flush=True)
        stdin_closed = threading.Event()

        def watch_stdin() -> None:
            sys.stdin.read()  # returns at EOF: the parent closed the pipe or exited
            stdin_closed.set()

        threading.Thread(target=watch_stdin, daemon=True).start()
        stdin_closed.wait(args.lifetime)


if __name__ == "__main__":
    main()
