"""``llm_magic.classroom()``: stand-in providers on 127.0.0.1 for a lesson, in one line instead of forty.

Each stand-in is a loopback server speaking its provider's wire format. The provider's base-URL
and key variables point at it, exactly as a student's own ``DEEPSEEK_API_KEY`` would, so
``%%llm deepseek``, ``%llm_key`` and ``requests.post(...)`` all work unchanged; the key is the
stand-in's own test key, never a real one. ``stop()`` puts the environment back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .i18n import Text, say
from .secrets import mask

if TYPE_CHECKING:
    from .loopback import FakeProvider

__all__ = ["Classroom", "classroom"]

#: the made-up provider a lesson can use when it should be plain that no real service answers
CLASSROOM = "classroom"
CLASSROOM_KEY_VAR = "CLASSROOM_API_KEY"


@dataclass
class StandIn:
    """One stand-in: its server and the variables that point its provider at it."""

    name: str
    server: FakeProvider
    key_var: str | None
    url_var: str | None

    @property
    def base_url(self) -> str:
        return self.server.base_url


@dataclass
class Classroom:
    """The running stand-ins by provider name: ``room["deepseek"].last_request.body``."""

    stand_ins: dict[str, StandIn]
    saved: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> FakeProvider:
        return self.stand_ins[name].server

    def __iter__(self) -> Iterator[str]:
        return iter(self.stand_ins)

    @property
    def first(self) -> StandIn:
        return next(iter(self.stand_ins.values()))

    @property
    def base_url(self) -> str:
        """The first stand-in's base URL: what ``/chat/completions`` is appended to."""
        return self.first.base_url

    @property
    def key_var(self) -> str | None:
        """The variable that holds the first stand-in's key (``DEEPSEEK_API_KEY``)."""
        return self.first.key_var

    def give_wrong_key(self, name: str | None = None, key: str = "wrong-key-for-practice") -> None:
        """As if a student had pasted a wrong key into ``%llm_key``'s box: it wins over the variable
        for this session; ``%llm_key NAME --forget`` drops it again."""
        from .keys.lookup import set_session_key
        from .providers import get_provider

        set_session_key(get_provider(name or self.first.name), key)

    def stop(self) -> None:
        """Stop every stand-in, forget keys given in this session, put the environment back."""
        from .keys.lookup import forget_session_key
        from .providers import get_provider

        for stand_in in self.stand_ins.values():
            stand_in.server.stop()
            forget_session_key(get_provider(stand_in.name))
        for variable, value in self.saved.items():
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = value
        self.saved.clear()

    def __enter__(self) -> Classroom:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        lines = [say(Text("Stand-in servers on this computer (not real providers):",
                          "本机上的替身服务器（不是真实的服务商）："))]
        for stand_in in self.stand_ins.values():
            key = (f"{stand_in.key_var} = {mask(stand_in.server.key)}" if stand_in.key_var and stand_in.server.key
                   else say(Text("no key", "不需要 Key")))
            state = stand_in.base_url if stand_in.server.running else say(Text("stopped", "已停止"))
            lines.append(f"  {stand_in.name} → {state}  ({key})")
        return "\n".join(lines)


def _point(name: str, server: FakeProvider, saved: dict[str, str | None]) -> StandIn:
    """Point provider ``name`` at ``server`` through its variables (registering ``classroom`` first)."""
    from .providers import get_provider, register_provider

    key_var: str | None
    url_var: str | None
    if name == CLASSROOM:
        register_provider(CLASSROOM, server.base_url, key_var=CLASSROOM_KEY_VAR, default_model="deepseek-flash")
        key_var, url_var = CLASSROOM_KEY_VAR, None
    else:
        provider = get_provider(name)
        key_var = provider.key_vars[0] if provider.key_vars else None
        url_var = provider.base_url_var
    for variable, value in ((url_var, server.base_url), (key_var, server.key)):
        if variable and value:
            saved.setdefault(variable, os.environ.get(variable))
            os.environ[variable] = value
    return StandIn(name, server, key_var, url_var)


def classroom(*providers: str, replies: str = "demo") -> Classroom:
    """Start a stand-in for each provider (default: one called ``classroom``) and point it there.

    ``replies`` picks how they answer: ``demo`` (the offline demo's answers), ``receipt`` (what was
    sent, then a made-up answer), ``reasoning`` (thinks first) or ``introductions`` (remembers a name).
    """
    from .loopback import FakeProvider
    from .loopback.classroom import SCRIPTS

    script = SCRIPTS.get(replies)
    if script is None:
        raise ValueError(f"replies must be one of {', '.join(SCRIPTS)}, not {replies!r}")
    room = Classroom({})
    try:
        for name in providers or (CLASSROOM,):
            flavour = "deepseek" if name == CLASSROOM else name
            server = FakeProvider(flavour, default_reply=script).start()
            room.stand_ins[name] = _point(name, server, room.saved)
    except BaseException:
        room.stop()
        raise
    return room
