"""The password box of ``%llm_key PROVIDER`` with ``%config KeyMagics.entry = 'widget'``: opt-in only.

Widget state can be saved into the ``.ipynb``. The box syncs its value only on Enter or when it
loses focus (``continuous_update=False``: one message, not one per keystroke), and the kernel
empties it before doing anything else with the key. Status lines show the masked key only.

What no kernel-side code can fix, and why this is not the default (``magics/key_prompt.py`` is):
the value sits in the front end's widget model until the kernel reads it, and the kernel reads it
only between cells. A key sent while another cell keeps the kernel busy, or just before a restart,
stays in that model, and JupyterLab and Notebook 7 (widget state saving on) write it into the
``.ipynb`` and its checkpoint. A widget whose model never holds the value needs front-end code of
its own, which this package does not ship. The box is for front ends that render widgets but cannot
answer a hidden prompt and do not save (Voila). A kernel started with ``--debug`` also logs the
one message in clear text (a widget's value has no secret form). The READMEs say both.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from ..errors import LLMError
from ..i18n import Text, both, say
from ..keys.lookup import ENTERED, lookup_key, set_session_key
from ..providers import Provider
from ..secrets import Secret, mask

if TYPE_CHECKING:
    from pathlib import Path

SAVE_LABEL = Text("Save key", "保存 Key")
ENV_LABEL = Text("also write it to .env", "同时写入 .env")
GITIGNORE_LABEL = Text("Add .env to .gitignore", "把 .env 加入 .gitignore")
_COLOURS = {"ok": "#1a7f37", "warn": "#9a6700", "error": "#cf222e", "info": "inherit"}


class KeyEntry:
    """A password box, a save button, a ".env" checkbox and a status line for one provider."""

    def __init__(self, provider: Provider, *, write_env: bool = False) -> None:
        import ipywidgets as widgets

        self.provider = provider
        self.saved = False
        self.env_path: Path | None = None
        name = html.escape(provider.display_name)
        self.title = widgets.HTML(
            f"<b>{name}</b> — " + html.escape(say(Text(
                "paste the key and press Enter while no other cell runs: a key sent while the kernel is busy "
                "can be saved with the notebook.",
                "请在没有其他单元格运行时粘贴 Key 并按回车：内核忙碌时发送的 Key 可能随 notebook 一起保存。"))))
        placeholder = " / ".join(f"{p}…" for p in provider.key_prefixes) or "key"
        self.password = widgets.Password(placeholder=placeholder, continuous_update=False,
                                         layout=widgets.Layout(width="28em"))
        self.save_button = widgets.Button(description=both(SAVE_LABEL), button_style="primary",
                                          icon="key", layout=widgets.Layout(width="auto"))
        self.write_env = widgets.Checkbox(value=write_env, description=both(ENV_LABEL), indent=False)
        self.gitignore_button = widgets.Button(description=both(GITIGNORE_LABEL), button_style="warning",
                                               layout=widgets.Layout(width="auto", display="none"))
        self.status = widgets.HTML("")
        self.password.observe(self._on_value, names="value")
        self.save_button.on_click(self._on_save)
        self.write_env.observe(self._on_write_env, names="value")
        self.gitignore_button.on_click(self._on_gitignore)
        self.box = widgets.VBox([self.title, widgets.HBox([self.password, self.save_button]),
                                 self.write_env, self.gitignore_button, self.status])

    # -- callbacks: each empties the box first -------------------------------------------------
    def _on_value(self, change: dict[str, Any]) -> None:
        value = Secret(change.get("new") or "")  # masked from the first line: a traceback shows no key
        if not value:
            return
        self.password.value = ""
        self.submit(value)

    def _on_save(self, _button: Any = None) -> None:
        value = Secret(self.password.value or "")
        if value:
            self.password.value = ""
            self.submit(value)
        elif not self.saved:
            self.show([("warn", Text("Paste the key into the box first.", "请先把 Key 粘贴到输入框中。"))])

    def _on_write_env(self, change: dict[str, Any]) -> None:
        if change.get("new") and self.saved:
            self.show(self._confirmation() + self._write_env())

    def _on_gitignore(self, _button: Any = None) -> None:
        from ..keys.envfile import add_to_gitignore

        if self.env_path is None:
            return
        try:
            rules = add_to_gitignore(self.env_path)
        except OSError as error:
            self.show([("error", Text(f"Could not update .gitignore: {error.strerror}.",
                                      f"无法修改 .gitignore：{error.strerror}。"))])
            return
        except LLMError as error:  # a symlinked .gitignore, or git still not ignoring the file
            message, hint = error.texts()
            self.show([("error", Text(message, message)), ("info", Text(hint, hint))])
            return
        self.gitignore_button.layout.display = "none"
        self.show([
            *self._confirmation(),
            ("ok", Text(f"Key written to {self.env_path}; added {self.env_path.name} to {rules}.",
                        f"Key 已写入 {self.env_path}；已把 {self.env_path.name} 加入 {rules}。"))])

    # -- work ----------------------------------------------------------------------------------
    def submit(self, value: str | Secret) -> None:
        """Keep the key for this session, then report (and write .env if asked)."""
        try:
            set_session_key(self.provider, value)
        except LLMError as error:
            message, hint = error.texts()
            self.show([("error", Text(message, message)), ("info", Text(hint, hint))])
            return
        self.saved = True
        lines = self._confirmation()
        if self.write_env.value:
            lines += self._write_env()
        self.show(lines)

    def _confirmation(self) -> list[tuple[str, Text]]:
        found = lookup_key(self.provider)
        if found.source != ENTERED or not found.value:
            return []
        name = self.provider.name
        lines = [("ok", Text(f"✓ Saved for this kernel session: {found.masked}. Check it with %llm_key {name} --check.",
                             f"✓ 已为本次内核会话保存：{found.masked}。可用 %llm_key {name} --check 检查。"))]
        foreign = self.provider.foreign_key_hint(found.masked)
        if foreign:
            lines.append(("warn", foreign))
        return lines

    def _write_env(self) -> list[tuple[str, Text]]:
        from ..keys.envfile import save_provider_key

        found = lookup_key(self.provider)
        if found.source != ENTERED or not found.value:
            return []
        try:
            result = save_provider_key(self.provider, found.value)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            return [("error", Text(f"Could not write .env: {reason}.", f"无法写入 .env：{reason}。"))]
        except LLMError as error:  # a symlinked .env, a FIFO: refused, the key stays for this session
            message, hint = error.texts()
            return [("error", Text(message, message)), ("info", Text(hint, hint))]
        self.env_path = result.path
        messages = result.messages()
        lines = [("ok", messages[0])] + [("warn", text) for text in messages[1:]]
        if result.exposed and not result.tracked:
            self.gitignore_button.layout.display = None
        return lines

    def show(self, lines: list[tuple[str, Text]]) -> None:
        self.status.value = "<br>".join(
            f"<span style='color:{_COLOURS[kind]}'>{html.escape(say(text))}</span>" for kind, text in lines)

    # -- display -------------------------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget, with a text fallback naming the way out when the front end cannot show widgets."""
        bundle = self.box._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if isinstance(data, dict):
            data["text/plain"] = say(fallback_text(self.provider))
        return bundle


def fallback_text(provider: Provider) -> Text:
    variables = " / ".join(provider.key_vars)
    return Text(f"No password box here? Run %llm_key {provider.name} --getpass, or put {variables}=… in a .env file.",
                f"看不到密码框？请运行 %llm_key {provider.name} --getpass，或把 {variables}=… 写进 .env 文件。")


def masked_line(provider: Provider, key: str | Secret) -> Text:
    return Text(f"✓ {provider.display_name}: key saved for this kernel session ({mask(key)}).",
                f"✓ {provider.display_name}：已为本次内核会话保存 Key（{mask(key)}）。")
