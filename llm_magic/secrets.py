"""Keep keys out of every text a user can see: the Secret type, masking, redaction of echoes.

A key is held in a :class:`Secret` from the moment it is read (environment, ``.env``, a password
box, ``key=``) until the request's ``Authorization`` header is set (``wire.transport.BearerAuth``):
its ``repr``, ``str`` and format show only the mask, so a verbose traceback (``%xmode Verbose``
prints every frame's locals), a debugger, a log line or a dataclass repr never shows the key.
"""

from __future__ import annotations

import hmac
import re
import threading
from typing import Any, NoReturn


class Secret:
    """A key that never shows itself: ``repr``/``str``/``format`` give the mask; :meth:`reveal` gives
    the key, to be called only where it is put on the wire."""

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str | Secret) -> None:
        self._value = value._value if isinstance(value, Secret) else str(value or "").strip()

    def reveal(self) -> str:
        """The key itself. Only the Authorization header, a .env writer and a fingerprint call this."""
        return self._value

    @property
    def masked(self) -> str:
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked!r})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            other = other._value
        return isinstance(other, str) and hmac.compare_digest(self._value.encode(), other.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def startswith(self, prefix: str | tuple[str, ...]) -> bool:
        return self._value.startswith(prefix)

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is never pickled: keys are not saved with other data")


def secret(value: str | Secret | None) -> Secret | None:
    """``value`` as a :class:`Secret` (stripped), or None when there is no key."""
    wrapped = Secret(value) if value is not None else None
    return wrapped if wrapped else None


def hide_key(options: dict[str, Any]) -> dict[str, Any]:
    """Wrap ``options["key"]`` in a Secret in place: the API's first frame then holds no bare key."""
    if isinstance(options.get("key"), str):
        options["key"] = Secret(options["key"])
    return options


class Revealed(str):
    """A string that holds a key on its way out (``Bearer sk-…``, a ``.env`` line) and whose repr
    is redacted: requests and urllib3 keep headers in dicts that a verbose traceback of a crash
    inside them prints, and a writer's list of lines is a local like any other."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(redact(str.__str__(self)))


_known_keys: set[Secret] = set()
_lock = threading.Lock()
# Things that look like keys even when we never saw them (a provider echoing another key back).
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{8,}|hf_[A-Za-z0-9]{8,})")


def mask(key: str | Secret | None) -> str:
    """``sk-…a1b2``: a recognisable prefix and never more than the last 4 characters."""
    if isinstance(key, Secret):
        key = key._value
    if not key:
        return ""
    prefix = ""
    for candidate in ("sk-sp-", "sk-", "hf_"):
        if key.startswith(candidate):
            prefix = candidate
            break
    tail = key[-4:] if len(key) >= 12 else ""
    return f"{prefix}…{tail}"


def remember(key: str | Secret) -> None:
    """Note a key this process handles, so that :func:`redact` can hide it anywhere."""
    if key and len(key) >= 4:
        with _lock:
            _known_keys.add(Secret(key))


def forget(key: str | Secret) -> None:
    with _lock:
        _known_keys.discard(Secret(key))


def known_keys() -> list[Secret]:
    """The keys this process handles, longest first (so a key inside a longer one is found last)."""
    with _lock:
        return sorted(_known_keys, key=len, reverse=True)


def redact(text: str) -> str:
    """Replace every known key, and anything shaped like a key, by its mask."""
    if not text:
        return text
    for key in known_keys():
        if key.reveal() in text:
            text = text.replace(key.reveal(), key.masked)
    return _KEY_PATTERN.sub(lambda match: mask(match.group(0)), text)


#: a key pasted by mistake: OpenAI-style ``sk-`` keys and Hugging Face ``hf_`` tokens, long enough
#: that ordinary text (``sk-learn``) never matches
_PASTED = re.compile(r"(?<![A-Za-z0-9_-])(?:sk-[A-Za-z0-9_-]{32,}|hf_[A-Za-z0-9]{30,})")
#: a known key shorter than this is not looked for in text: too many ordinary words would match
_SHORTEST_SCANNED = 12


def keys_in(text: str, known: list[Secret] | None = None) -> list[Secret]:
    """The keys in ``text``: known ones (this process's, and ``known``) and key-shaped ones."""
    found: dict[Secret, None] = {}
    for key in [*known_keys(), *(known or [])]:
        if len(key) >= _SHORTEST_SCANNED and key.reveal() in text:
            found[key] = None
    for match in _PASTED.finditer(text):
        found[Secret(match.group(0))] = None
    return list(found)


def redact_known(text: str) -> str:
    """Every key this process knows, replaced by its mask (key-shaped text the model wrote stays)."""
    for key in known_keys():
        if len(key) >= _SHORTEST_SCANNED and key.reveal() in text:
            text = text.replace(key.reveal(), key.masked)
    return text
