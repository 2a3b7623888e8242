"""An answer that ended early (cut by a timeout or a dropped connection, or stopped with ■):
what arrived is kept, and since the provider bills what it generated, its tokens are estimated
(``tokens.estimate_tokens``), marked ``"estimated": True`` in ``usage``, and counted in the ledger.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import Interrupted
from . import usage
from .tokens import estimate_tokens

if TYPE_CHECKING:
    from ..answer import Answer
    from .assemble import AnswerBuilder
    from .request import PreparedCall


def estimated_usage(call: PreparedCall, answer: Answer) -> dict[str, Any]:
    """Tokens in (the messages sent) and out (text and reasoning), estimated."""
    prompt = estimate_tokens(call.payload.get("messages"))
    completion = estimate_tokens(answer.text) + estimate_tokens(answer.reasoning)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "estimated": True}


def cut_answer(call: PreparedCall, builder: AnswerBuilder, started: float, *,
               interrupted: bool = False) -> Answer | None:
    """The partial answer, billed in the ledger with its usage (estimated unless the server sent it);
    None when nothing arrived."""
    if not builder.has_output:
        return None
    answer = builder.answer(time.monotonic() - started, interrupted=interrupted)
    if not answer.usage:
        answer.usage = estimated_usage(call, answer)
    usage.price_answer(answer)
    usage.ledger.record(answer)
    return answer


def interrupted(call: PreparedCall, builder: AnswerBuilder, started: float) -> Interrupted:
    """The error for ■ pressed during the call, holding what arrived."""
    return Interrupted(provider=call.provider.name, partial=cut_answer(call, builder, started, interrupted=True))
