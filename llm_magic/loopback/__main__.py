"""``python -m llm_magic.loopback``: serve a fake provider until Ctrl+C (notebooks, benchmarks)."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from .flavours import FLAVOURS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m llm_magic.loopback", description=__doc__)
    parser.add_argument("--flavour", choices=sorted(FLAVOURS), default="deepseek")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", default=None,
                        help="require this key as 'Authorization: Bearer <key>' (default: any)")
    args = parser.parse_args(argv)

    if args.flavour == "demo":
        from .demo import make_demo_server
        provider = make_demo_server(args.port, token=args.key)  # a random token unless --key is given
    else:
        from .server import FakeProvider
        provider = FakeProvider(args.flavour, key=args.key, port=args.port)
    with provider:
        print(provider.base_url, flush=True)
        if args.flavour == "demo" and args.key is None:
            print(f"key: {provider.key}", file=sys.stderr, flush=True)  # the demo answers only this key
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
