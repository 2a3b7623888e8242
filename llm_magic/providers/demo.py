"""The offline demo: a built-in server on 127.0.0.1 that streams a useful answer, no key needed."""

from ..i18n import Text
from .base import Provider


class Demo(Provider):
    name = "demo"
    display_name = "Demo (offline)"
    needs_key = False

    def builtin_base_url(self) -> str:
        from ..loopback.demo import ensure_demo_server  # started on first use only

        return ensure_demo_server()

    def key_hint(self) -> Text:
        return Text("The demo needs no key.", "演示模式不需要 Key。")
