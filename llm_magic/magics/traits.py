"""The traitlets of ``LLMMagics``, whose complaints (``%config LLMMagics.timeout = "abc"``) come in both languages.

traitlets words its errors in English only ("expected a float, not the str 'abc'"); each class
here keeps that sentence and adds the Chinese a teacher would say.
"""

from __future__ import annotations

from typing import Any, TypeVar

import traitlets
from traitlets import TraitError

from ..i18n import Text

T = TypeVar("T")


def _expectation(trait: traitlets.TraitType[Any, Any]) -> str:
    if isinstance(trait, traitlets.Enum):
        return "只能是 " + "、".join(repr(value) for value in trait.values or ()) + " 之一"
    if isinstance(trait, traitlets.Bool):
        return "只能是 True 或 False"
    if isinstance(trait, traitlets.Float):
        return "需要一个数字"
    if isinstance(trait, traitlets.Int):
        return "需要一个整数"
    if isinstance(trait, traitlets.Dict):
        return "需要一个字典（dict），例如 {'deepseek': '…'}"
    return "需要一段文字（str）"


def bilingual_error(trait: traitlets.TraitType[Any, Any], value: Any, english: str,
                    owner: str = "LLMMagics") -> TraitError:
    """A TraitError that says ``english`` and its Chinese: ``LLMMagics.timeout 需要一个数字，你填的是 'abc'。``"""
    where = f"{owner}.{trait.name}"
    return TraitError(str(Text(english, f"{where} {_expectation(trait)}，你填的是 {value!r}。")))


class _Bilingual:
    """Mixed in before a traitlets type: its ``error`` is re-raised in both languages."""

    def error(self, obj: Any, value: Any, error: Exception | None = None, info: str | None = None) -> Any:
        try:
            return super().error(obj, value, error, info)  # type: ignore[misc]  # the traitlets type mixed in after
        except TraitError as failure:
            owner = type(obj).__name__ if obj is not None else "LLMMagics"
            raise bilingual_error(self, value, str(failure), owner) from None  # type: ignore[arg-type]


def _bilingual(base: type[T]) -> type[T]:
    """``base`` with :class:`_Bilingual` mixed in, under the same name."""
    return type(base.__name__, (_Bilingual, base), {"__module__": __name__, "__doc__": base.__doc__})


Bool = _bilingual(traitlets.Bool)
CaselessStrEnum = _bilingual(traitlets.CaselessStrEnum)
Dict = _bilingual(traitlets.Dict)
Enum = _bilingual(traitlets.Enum)
Float = _bilingual(traitlets.Float)
Int = _bilingual(traitlets.Int)
Unicode = _bilingual(traitlets.Unicode)
