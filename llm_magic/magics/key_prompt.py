"""``%llm_key PROVIDER``'s default: the kernel's own password prompt, which no notebook file can hold.

Why not the password box (``magics/key_widget.py``) by default: a widget's value lives in the front
end's widget model until the kernel reads it, and the kernel reads it only between cells. A key
pasted while another cell keeps the kernel busy, or just before a restart, therefore sits in that
model, and JupyterLab and Notebook 7 (widget state saving on) write it into the ``.ipynb`` and its
checkpoint; nothing the kernel does can reach the front end's copy first.

``getpass`` in a kernel sends an ``input_request`` on the stdin channel instead. The front end shows
a password field only while the kernel is waiting for that very answer (so there is nothing to paste
into while it is busy with something else), sends the reply straight to the waiting kernel, and
records the cell's output as dots. Nothing of it enters widget state, and a field typed in but not
submitted is page content, never saved. Where the front end runs a notebook without a person at the
keyboard (nbconvert, papermill, nbclient, Voila: the execute request says ``allow_stdin: false``)
nothing is asked: a message names the ways that need no typing (.env, ``%llm_key --env``, Colab
Secrets). It is a message, not an error, so an executed lesson notebook goes on; the first call
that needs the key stops with ``MissingKeyError``, which says where it looked.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text, say
from ..keys.lookup import KeyLookup
from ..providers import Provider
from ..secrets import Secret


def stdin_allowed(shell: Any) -> bool:
    """Whether ``getpass`` can ask someone now.

    In a terminal IPython it reads the terminal. In ipykernel (and kernels built on it, such as
    Colab's) ``kernel._allow_stdin`` holds the current execute request's ``allow_stdin``; a kernel
    without that attribute is asked anyway, and a refusal is reported by :func:`ask_hidden`.
    """
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return True
    return bool(getattr(kernel, "_allow_stdin", True))


def ask_hidden(provider: Provider) -> Secret | None:
    """The key typed at a hidden prompt, a Secret from its first moment; None when cancelled."""
    import getpass

    prompt = say(Text(f"{provider.display_name} key (input hidden): ",
                      f"{provider.display_name} 的 Key（输入不显示）："))
    try:
        return Secret(getpass.getpass(prompt))
    except (EOFError, KeyboardInterrupt):
        return None
    except Exception as error:  # ipykernel's StdinNotImplementedError: the front end cannot ask
        raise refused(provider) from error


_CANNOT_ASK = Text("This front end cannot ask for a key: it runs the notebook without anyone typing "
                   "(nbconvert, papermill, Voila).",
                   "这个前端无法让你输入 Key：它运行 notebook 时没有人在键盘前输入"
                   "（例如 nbconvert、papermill、Voila）。")


def _ways(provider: Provider) -> Text:
    variables = " / ".join(provider.key_vars)
    return Text(f"Put {variables}=… in a .env file in the notebook's folder, load one with %llm_key --env PATH, "
                "or in Colab add it under Secrets (🔑).",
                f"请把 {variables}=… 写进 notebook 所在文件夹的 .env 文件，或用 %llm_key --env 路径 载入；"
                "在 Colab 中，请在左侧栏的 Secrets（🔑）里添加。")


def cannot_ask(provider: Provider) -> Text:
    """Where nobody can type and no key is there: the ways to give one that need no typing."""
    return _CANNOT_ASK + _ways(provider)


def refused(provider: Provider) -> ConfigurationError:
    """A kernel that turned the prompt down (no ``_allow_stdin`` to read beforehand)."""
    return ConfigurationError(_CANNOT_ASK, hint=_ways(provider), provider=provider.name)


def key_in_use(provider: Provider, found: KeyLookup) -> Text:
    """Where nothing can be asked but a key is already there: which one is used, masked."""
    return Text(f"Nothing can be typed here; the {provider.display_name} key in use is {found.masked}, "
                f"{found.came_from().en}.",
                f"这里无法输入 Key；现在使用的 {provider.display_name} Key 是 {found.masked}，{found.came_from().zh}。")
