"""Facts a provider declares that change over time: default model, retirements, parameter rules, prices.

Each fact says when it was read and where, so a teacher can tell a stale one from a current
one; an unknown price or limit stays unknown (``None``), never zero. The engine reads them
from the adapter; ``llm_magic.settings`` and ``prices.set_price`` override them for a course.
The next change a provider makes should be one line in one adapter: the types below carry
the data, ``engine/`` applies it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

#: Beijing time, in which DeepSeek (and Bailian) state their peak hours; China has no daylight saving
BEIJING = _dt.timezone(_dt.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True)
class DefaultModel:
    """The model used when a cell names none, when and where that choice was checked,
    and, once the provider has scheduled its end, the shutdown date and the replacement it names."""

    name: str
    checked: str | None = None
    source: str | None = None
    #: "YYYY-MM-DD" on which the provider stops serving ``name``
    shutdown: str | None = None
    replacement: str | None = None


@dataclass(frozen=True)
class Retirement:
    """Models (a glob on the name, as ``fnmatch``) the provider has scheduled or carried out the shutdown of."""

    pattern: str
    #: "YYYY-MM-DD": the day the provider shuts the model down
    shutdown: str
    #: the model the provider recommends instead (None: it names none, or we could not read it)
    replacement: str | None
    source: str
    read_on: str

    def matches(self, model: str) -> bool:
        return fnmatchcase(model.lower(), self.pattern.lower())

    def shutdown_day(self) -> _dt.date:
        return _dt.date.fromisoformat(self.shutdown)


#: what to do with a parameter a model does not accept: leave it out with a note, or refuse to send
UnsupportedAction = Literal["drop", "refuse"]


@dataclass(frozen=True)
class ParameterRule:
    """How one family of models (a glob on the name) takes the sampling parameters.

    ``max_tokens_as`` renames ``--max-tokens`` on the wire (OpenAI's reasoning models want
    ``max_completion_tokens``); ``only_default`` maps a parameter to the one value the model
    accepts: any other value is dropped with a note or refused (``settings.unsupported_parameters``).
    """

    pattern: str
    max_tokens_as: str = "max_tokens"
    only_default: tuple[tuple[str, float], ...] = ()
    source: str = ""
    checked: str = ""

    def matches(self, model: str) -> bool:
        return fnmatchcase(model.lower(), self.pattern.lower())


@dataclass(frozen=True)
class ContextLimit:
    """How many tokens a model's context holds."""

    tokens: int
    #: sourced from the provider's documentation: only then may a call be refused
    certain: bool
    note: str


#: an unknown model: a conservative guess, which only ever warns
UNKNOWN_CONTEXT = ContextLimit(32_000, False, "unknown model: a conservative 32K")


@dataclass(frozen=True)
class PeakHours:
    """Hours billed at ``multiplier`` times the listed price, in Beijing time (UTC+8).

    ``hours`` are half-open ``(start, end)`` hour ranges; with ``weekdays_only`` Saturdays and
    Sundays are off-peak. Public holidays are not modelled: they are billed as peak here, which
    can only overstate a cost.
    """

    hours: tuple[tuple[int, int], ...]
    multiplier: float
    weekdays_only: bool = True

    def applies(self, at: _dt.datetime) -> bool:
        local = at.astimezone(BEIJING)
        if self.weekdays_only and local.weekday() >= 5:
            return False
        return any(start <= local.hour < end for start, end in self.hours)


@dataclass(frozen=True)
class Price:
    """Price per million tokens, in ``currency``. ``None`` means unknown; 0 means free."""

    input: float | None
    output: float | None
    currency: str | None = None  # "CNY" or "USD"
    #: the day the price was read on the source page (prices change often)
    read_on: str | None = None
    source: str | None = None
    #: input tokens served from the provider's cache; None charges them at ``input``
    cached_input: float | None = None
    #: listed prices are off-peak; these hours cost more (DeepSeek)
    peak: PeakHours | None = None

    @property
    def known(self) -> bool:
        return self.input is not None and self.output is not None

    def multiplier(self, at: _dt.datetime | None) -> float:
        """1, or the peak multiplier when ``at`` (None: the dearest hour) falls in peak hours."""
        if self.peak is None:
            return 1.0
        if at is None or self.peak.applies(at):
            return self.peak.multiplier
        return 1.0


#: ``Provider.prices`` key that applies to every model without a price of its own
ANY_MODEL = "*"


def unknown_price(source: str) -> Price:
    """A price nobody has filled in yet, with the page that lists it."""
    return Price(None, None, source=source)


#: what runs on this computer or offline
FREE = Price(0.0, 0.0, source="runs without a provider account")


# -- beyond text: images, JSON, embeddings -----------------------------------------------------
MiB = 1024 * 1024


@dataclass(frozen=True)
class ImageLimits:
    """What a provider accepts in images; ``None`` is unknown (the provider then decides)."""

    #: bytes of one image as sent (decoded, before base64)
    per_image: int | None = None
    #: bytes of the whole request body, base64 and JSON included
    body: int | None = None
    #: bytes of all images of one request together (decoded)
    all_images: int | None = None
    count: int | None = None
    #: MIME types it reads, e.g. ("image/png", "image/jpeg"); empty: not declared
    formats: tuple[str, ...] = ()
    #: images may only sit in user messages (DeepSeek answers 400 otherwise)
    user_messages_only: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Vision:
    """Which models read images, which are known not to, and the limits, with when and where that was read."""

    #: models to suggest when a model cannot read images
    models: tuple[str, ...]
    #: model-name prefixes known to read text only: a cell with images is refused before sending
    text_only: tuple[str, ...] = ()
    limits: ImageLimits = ImageLimits()
    checked: str | None = None
    source: str | None = None

    def reads_images(self, model: str) -> bool:
        """False only for a model declared text-only; an unknown model is given the benefit of the doubt."""
        lowered = model.lower()
        return not any(lowered.startswith(prefix) for prefix in self.text_only)


@dataclass(frozen=True)
class StructuredOutput:
    """Which ``response_format`` types a provider accepts on chat completions."""

    json_object: bool = False
    json_schema: bool = False
    #: DashScope and DeepSeek want the word "json" in the messages when json_object is asked
    needs_json_word: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Embeddings:
    """A provider's embeddings endpoint: its default model and how many texts one request may carry."""

    default: DefaultModel
    #: texts per request; larger lists are split into several requests
    batch_limit: int
    #: "openai": POST {base}/embeddings; "feature-extraction": Hugging Face's hf-inference pipeline route
    route: str = "openai"
    source: str | None = None


#: image formats the OpenAI vision guide lists (non-animated GIF)
OPENAI_IMAGE_FORMATS = ("image/png", "image/jpeg", "image/webp", "image/gif")
