"""The offline demo: a built-in server on 127.0.0.1 that streams a useful answer, no key needed."""

from collections.abc import Mapping

from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, FREE, DefaultModel, Price


class Demo(Provider):
    name = "demo"
    display_name = "Demo (offline)"
    needs_key = False
    default = DefaultModel("demo-chat")
    prices: Mapping[str, Price] = {ANY_MODEL: FREE}

    def builtin_base_url(self) -> str:
        from ..loopback.demo import ensure_demo_server  # started on first use only

        return ensure_demo_server()

    def builtin_key(self) -> str | None:
        """The demo server's per-kernel token: no other local user can use the server."""
        from ..loopback.demo import demo_token

        return demo_token()

    def key_hint(self) -> Text:
        return Text("The demo needs no key.", "演示模式不需要 Key。")

    def auth_hint(self, key: str | None) -> Text:
        return Text(
            "The demo acted out a rejected key. With a real provider: copy the key again and set it with "
            "%llm_key PROVIDER, or check the variable in .env.",
            "这是演示模式模拟的“Key 被拒绝”。"
            "换成真实服务商时：请重新复制 Key，用 %llm_key 服务商名 设置，或检查 .env 中的变量。",
        )

    def balance_hint(self) -> Text:
        return Text(
            "The demo acted out an empty account. "
            "With a real provider: top up on its website, then run the cell again.",
            "这是演示模式模拟的“余额不足”。换成真实服务商时：请到它的网站充值后重新运行。",
        )
