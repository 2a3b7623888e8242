"""The offline demo: a built-in server on 127.0.0.1 that streams a useful answer, no key needed."""

from collections.abc import Mapping

from ..i18n import Text
from .base import Provider
from .facts import ANY_MODEL, FREE, DefaultModel, Embeddings, ImageLimits, MiB, Price, StructuredOutput, Vision


class Demo(Provider):
    name = "demo"
    display_name = "Demo (offline)"
    needs_key = False
    default = DefaultModel("demo-chat")
    prices: Mapping[str, Price] = {ANY_MODEL: FREE}
    # The demo acts out what real providers do: demo-chat describes the images it gets (their format
    # and size, not what they show), demo-reasoner reads text only, limits like DeepSeek's but small.
    vision = Vision(models=("demo-chat",), text_only=("demo-reasoner",),
                    limits=ImageLimits(per_image=8 * MiB, body=12 * MiB, count=16,
                                       formats=("image/png", "image/jpeg", "image/gif", "image/webp"),
                                       user_messages_only=True, source="llm_magic's demo"))
    structured = StructuredOutput(json_object=True, json_schema=True, source="llm_magic's demo")
    embeddings = Embeddings(DefaultModel("demo-embed"), batch_limit=8, source="llm_magic's demo")

    def builtin_base_url(self) -> str:
        from ..loopback.demo import ensure_demo_server  # started on first use only

        return ensure_demo_server()

    def builtin_key(self) -> str | None:
        """The demo server's per-kernel token: no other local user can use the server."""
        from ..loopback.demo import demo_token

        return demo_token()

    def builtin_key_variable(self) -> str | None:
        from ..loopback.demo import DEMO_TOKEN_VARIABLE

        return DEMO_TOKEN_VARIABLE

    def key_hint(self) -> Text:
        return Text("The demo needs no key.", "演示模式不需要 Key。")

    def auth_hint(self, key: str | None) -> Text:
        return Text(
            "The demo acted out a rejected key. With a real provider: copy the key again and set it with "
            "%llm_key PROVIDER, or check the variable in .env.",
            "这是演示模式模拟的“Key 被拒绝”。"
            "换成真实服务商时：请重新复制 Key，用 %llm_key 服务商 设置，或检查 .env 中的变量。",
        )

    def forbidden_hint(self, message: str) -> Text:
        return Text(
            "The demo acted out a refused request (HTTP 403); it needs no key. With a real provider: the key is "
            "valid but may not use this model or feature; choose another model (%llm_models) or check its permissions.",
            "这是演示模式模拟的“无权访问”（HTTP 403），演示本身不需要 Key。换成真实服务商时，这表示 Key 有效，"
            "但无权使用该模型或功能：请换一个模型（%llm_models），或检查 Key 的权限。",
        )

    def acted_out_hint(self, error: Exception) -> Text | None:
        from ..errors import NetworkError, RequestTimeoutError

        if isinstance(error, RequestTimeoutError):
            return Text("The demo acted out a timeout: its server never answered, on purpose. With a real provider: "
                        "run the cell again, or allow more time with --timeout SECONDS.",
                        "这是演示模式模拟的“超时”：演示服务器故意一直不回答。换成真实服务商时：请重新运行，"
                        "或用 --timeout 秒数 放宽时间限制。")
        if isinstance(error, NetworkError):
            return Text("The demo acted out a dropped connection: its server hung up halfway, on purpose; your "
                        "network is fine. With a real provider: run the cell again; the part that arrived is kept.",
                        "这是演示模式模拟的“连接中断”：演示服务器故意在回答中途断开，你的网络没有问题。"
                        "换成真实服务商时：请重新运行；已收到的部分会保留。")
        return None

    def balance_hint(self) -> Text:
        return Text(
            "The demo acted out an empty account. "
            "With a real provider: top up on its website, then run the cell again.",
            "这是演示模式模拟的“余额不足”。换成真实服务商时：请到它的网站充值后重新运行。",
        )
