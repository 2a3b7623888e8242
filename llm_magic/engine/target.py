"""Which provider a call goes to and which model it asks: ``"name:model"`` and ``-m`` resolved once."""

from __future__ import annotations

from dataclasses import dataclass

from ..providers import Provider, get_provider
from .validate import bad_option


@dataclass(frozen=True)
class Target:
    """A provider adapter and a model name, both checked."""

    provider: Provider
    model: str

    @property
    def name(self) -> str:
        return self.provider.name


def split_spec(spec: str) -> tuple[str, str | None]:
    """``"deepseek:deepseek-v4-pro"`` → ``("deepseek", "deepseek-v4-pro")``; HF suffixes survive."""
    name, sep, model = spec.strip().partition(":")
    return name, (model or None) if sep else None


def resolve(spec: str | Provider | Target, model: str | None = None) -> Target:
    """The :class:`Target` of ``spec``; ``model`` (``-m``) wins over a model in the spec, then the default.

    An unknown provider raises with the closest name; a model name with spaces or none at all
    is refused. Contacts nobody.
    """
    if isinstance(spec, Target):
        adapter, in_spec = spec.provider, spec.model
    elif isinstance(spec, Provider):
        adapter, in_spec = spec, None
    else:
        name, in_spec = split_spec(spec)
        adapter = get_provider(name)
    chosen = (model or in_spec or adapter.default_model()).strip()
    if not chosen or any(ch.isspace() for ch in chosen):
        raise bad_option(f"{chosen!r} is not a model name.", f"{chosen!r} 不是有效的模型名。", adapter.name)
    return Target(adapter, chosen)
