"""Where a provider's key comes from (this kernel, the environment, a ``.env`` file)
and the ``.env`` files themselves."""

from .lookup import (
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

__all__ = ["ENTERED", "ENVIRONMENT", "KeyLookup", "clean_key", "clear_session_keys", "forget_session_key",
           "lookup_key", "require_key", "set_session_key"]
