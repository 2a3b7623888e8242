"""``%llm_key``: show, enter, load, check and forget provider keys — never in the notebook."""

from __future__ import annotations

from IPython.core.magic import Magics, line_magic, magics_class


@magics_class
class KeyMagics(Magics):
    """The ``%llm_key`` line magic."""

    @line_magic
    def llm_key(self, line: str = ""):
        """Show where each provider's key comes from (placeholder; fleshed out next)."""
        return None
