"""Target 7: 1,000 calls in one process leave resident memory (RSS) less than 5 MiB larger.

Half the calls are plain, half streamed; the growth is measured after a 50-call warm-up
(imports, connection pool) and a gc.collect() at both ends, so it is what the calls leak.
"""

from __future__ import annotations

from lib.context import Context
from lib.report import Row

TARGET_MIB = 5.0


def memory(ctx: Context) -> Row:
    calls = 200 if ctx.quick else 1000
    ctx.log(f"memory: {calls} calls")
    data = ctx.worker("memory", ["llm_magic"], calls=calls)
    growth = data["rss_growth_mib"]["llm_magic"]
    row = Row("7", f"RSS growth over {calls} calls", f"{growth:+.2f} MiB", "—", "—",
              f"< {TARGET_MIB:.0f} MiB", growth < TARGET_MIB, details=data)
    for name, title in (("openai", "openai SDK"), ("litellm", "LiteLLM"), ("llm", "llm (simonw)")):
        if name not in ctx.client_alternatives():
            row.alternatives[title] = "not installed"
            continue
        ctx.log(f"memory: {name}")
        try:
            alt = ctx.worker("memory", [name], calls=calls)["rss_growth_mib"][name]
        except RuntimeError as error:
            row.alternatives[title] = "failed"
            row.details[name] = str(error)
            continue
        row.alternatives[title] = f"{alt:+.2f} MiB"
        row.details[name] = alt
    return row
