"""Where a provider's key comes from (this kernel, the environment, Colab Secrets, a ``.env`` file)
and the ``.env`` files themselves."""

from .lookup import (
    COLAB,
    ENTERED,
    ENVIRONMENT,
    KeyLookup,
    clean_key,
    clear_session_keys,
    forget_session_key,
    lookup_key,
    require_key,
    set_session_key,
)

__all__ = ["COLAB", "ENTERED", "ENVIRONMENT", "KeyLookup", "clean_key", "clear_session_keys", "forget_session_key",
           "lookup_key", "require_key", "set_session_key"]
