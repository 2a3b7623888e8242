"""Build the mime bundle of one state: reasoning block, answer body, retry notice, footer."""

from __future__ import annotations

import math

from ..answer import Answer
from ..i18n import Text, say
from ..markup import escape_text
from .formats import body
from .state import StreamState

_QUIET = 'style="font-size: 85%; opacity: 0.65"'


def reasoning_block(state: StreamState) -> str:
    """A ``<details>`` block: open while the model thinks, collapsed once the answer starts."""
    if not state.reasoning_parts:
        return ""
    thinking = not state.text_parts and not state.final
    summary = Text("💭 Thinking…", "💭 思考中…") if thinking else Text("💭 Reasoning", "💭 思考过程")
    opened = " open" if thinking else ""
    return (f"<details{opened}><summary>{say(summary)}</summary>"
            f"<div {_QUIET}>{escape_text(state.reasoning)}</div></details>")


def footer_text(state: StreamState) -> str:
    """One line: provider · model · tokens in/out · seconds, plus what went unusual."""
    answer = state.answer
    parts = [state.provider, (answer.model if answer is not None and answer.model else state.model)]
    if answer is not None:
        parts += _answer_parts(answer)
    parts += _outcome_parts(state, answer)
    if state.substituted:
        parts.append(substituted_text(state.substituted))
    return " · ".join(str(part) for part in parts if part)


def _outcome_parts(state: StreamState, answer: Answer | None) -> list[str]:
    """What went unusual: interrupted, failed, cut at max_tokens."""
    parts = []
    if state.outcome == "interrupted" or (answer is not None and answer.interrupted):
        parts.append(say(Text("interrupted", "已中断")))
    elif state.outcome == "failed":
        parts.append(say(Text("failed", "失败")))
    if answer is not None and answer.finish_reason == "length":
        parts.append(say(_cut_note(answer)))
    return parts


def substituted_text(names: tuple[str, ...]) -> str:
    """``{t}, {name} ← notebook variables``: the prompt sent is not the one written."""
    listed = ", ".join(f"{{{name}}}" for name in names)
    return say(Text(f"{listed} ← notebook variables", f"{listed} ← 笔记本变量"))


def _cut_note(answer: Answer) -> Text:
    """Why the answer stopped at max_tokens; a reasoning model may have spent it all thinking."""
    if answer.reasoning and not answer.text.strip():
        return Text("the thinking used all of --max-tokens and left no answer: raise --max-tokens, "
                    "or add --no-think (finish_reason length)",
                    "思考过程用完了全部 --max-tokens，没有留下回答：请调大 --max-tokens，"
                    "或加上 --no-think（finish_reason length）")
    return Text("cut at max_tokens (finish_reason length)", "达到 max_tokens 上限被截断（finish_reason length）")


#: how a footer writes each currency (an unknown one is written by its code)
CURRENCY_SIGNS = {"CNY": "¥", "USD": "$"}


def cost_text(amount: float, currency: str | None) -> str:
    """``≈ ¥0.0021``, ``≈ ¥0.000042``: two significant figures for small costs, never a misleading 0."""
    sign = CURRENCY_SIGNS.get(currency or "", "")
    unit = "" if sign or not currency else f" {currency}"
    if amount == 0:
        return f"{sign}0{unit}"
    if amount < 0.000001:
        return f"< {sign}0.000001{unit}"
    if amount < 0.01:
        decimals = 1 - math.floor(math.log10(amount))
        shown = f"{amount:.{decimals}f}"
    else:
        shown = f"{amount:.4f}" if amount < 1 else f"{amount:.2f}"
    return f"≈ {sign}{shown}{unit}"


def _answer_parts(answer: Answer) -> list[str]:
    """Tokens, seconds and "replayed": what the answer itself tells."""
    parts = []
    if answer.usage and answer.usage.get("estimated"):
        parts.append(say(Text("≈ {i} → {o} tokens (estimated: the answer ended early)",
                              "约输入 {i} 个 token，输出 {o} 个（回答提前结束，用量为估算）").format(
            i=answer.usage.get("prompt_tokens", 0), o=answer.usage.get("completion_tokens", 0))))
    elif answer.usage:
        parts.append(say(Text("{i} → {o} tokens", "输入 {i} 个 token，输出 {o} 个").format(
            i=answer.usage.get("prompt_tokens", 0), o=answer.usage.get("completion_tokens", 0))))
    if answer.cost is not None and not answer.replayed and (answer.cost or answer.currency):
        parts.append(cost_text(answer.cost, answer.currency))
    if answer.elapsed is not None:
        parts.append(f"{answer.elapsed:.1f} s")
    if answer.replayed:
        parts.append(say(Text("replayed", "回放")))
    return parts


def error_lines(state: StreamState) -> list[str]:
    """The error that ended ``state``'s answer, short: ``["❌ what · where", message, hint]``."""
    error = state.error
    if error is None:
        return []
    message, hint = error.texts() if hasattr(error, "texts") else (str(error), "")
    headline = error.headline() if hasattr(error, "headline") else type(error).__name__
    return [f"❌ {headline}", message] + ([hint] if hint else [])


#: an error's URLs, model names and masked keys are long tokens: they wrap where they must, while
#: every word that fits on a line stays whole (``word-break: break-all`` would cut any word at the edge)
WRAP_LONG_TOKENS = 'style="overflow-wrap: anywhere"'


def error_markdown(state: StreamState) -> str:
    """The error lines, escaped (a server's message is untrusted too); tags that read in Markdown and HTML."""
    lines = [escape_text(line) for line in error_lines(state)]
    if not lines:
        return ""
    lines[0] = f"<b>{lines[0]}</b>"
    if len(lines) > 2:
        lines[2] = f"<i>{lines[2]}</i>"
    return f"<div {WRAP_LONG_TOKENS}>" + "<br>\n".join(lines) + "</div>"


def waiting_text(state: StreamState) -> str:
    return say(Text("⏳ Waiting for {name} ({model})…", "⏳ 正在等待 {name}（{model}）…").format(
        name=state.display_name, model=state.model))


def bundle(state: StreamState) -> dict[str, str]:
    """The display data for ``state``: Markdown (or HTML for ``html``/``text``), plain text when final."""
    mimetype, main = body(state.text, state.fmt, final=state.final)
    pieces = [reasoning_block(state), main, error_markdown(state)]
    if state.notice:
        pieces.append(f"<div {_QUIET}>{escape_text(state.notice)}</div>")
    elif not state.final and not state.text_parts and not state.reasoning_parts:
        pieces.append(f"<div {_QUIET}>{escape_text(waiting_text(state))}</div>")
    if state.final:
        pieces.append(f"<div {_QUIET}>{escape_text(footer_text(state))}</div>")
    data = {mimetype: "\n\n".join(piece for piece in pieces if piece)}
    if state.final:
        data["text/plain"] = f"{state.text}\n\n— {footer_text(state)}" if state.text else f"— {footer_text(state)}"
    return data


def size_of(data: dict[str, str]) -> int:
    """Bytes this bundle puts on the wire (UTF-8), the unit of the throttle's budget."""
    return sum(len(value.encode("utf-8")) for value in data.values())
