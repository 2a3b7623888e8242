"""OpenAI itself: the reference wire format."""

from .base import Provider


class OpenAI(Provider):
    name = "openai"
    display_name = "OpenAI"
    key_vars = ("OPENAI_API_KEY",)
    default_base_url = "https://api.openai.com/v1"
    base_url_var = "OPENAI_BASE_URL"
    key_url = "https://platform.openai.com/api-keys"
    billing_url = "https://platform.openai.com/settings/organization/billing"
    key_prefixes = ("sk-",)
