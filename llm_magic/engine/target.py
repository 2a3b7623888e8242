"""Which provider a call goes to and which model it asks: ``"name:model"`` and ``-m`` resolved once."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConfigurationError
from ..i18n import Text
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


def provider_of(spec: str | Provider) -> Provider:
    """The adapter a spec names, without choosing a model (listing models or checking a key needs none)."""
    return spec if isinstance(spec, Provider) else get_provider(split_spec(spec)[0])


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
    if not chosen:
        raise _no_model(adapter)
    if any(ch.isspace() for ch in chosen):
        raise bad_option(f"{chosen!r} is not a model name.", f"{chosen!r} 不是有效的模型名。", adapter.name)
    return Target(adapter, chosen)


def _no_model(adapter: Provider) -> ConfigurationError:
    """No model named and none declared (a school gateway's models are the teacher's)."""
    return ConfigurationError(
        Text(f"{adapter.display_name} has no default model: name one.",
             f"{adapter.display_name} 没有默认模型：请指定一个。"),
        hint=Text(f"%llm_models {adapter.name} lists them; then %%llm {adapter.name}:MODEL or -m MODEL, "
                  f"or %config LLMMagics.models = {{'{adapter.name}': 'MODEL'}} for every cell.",
                  f"用 %llm_models {adapter.name} 查看可用模型，再写 %%llm {adapter.name}:模型名 或 -m 模型名；"
                  f"也可以用 %config LLMMagics.models = {{'{adapter.name}': '模型名'}} 为所有单元格设定。"),
        provider=adapter.name)
