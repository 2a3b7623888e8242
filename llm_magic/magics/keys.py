"""``%llm_key``: show, enter, load, check and forget provider keys — never in the notebook."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import ConfigurationError, LLMError
from ..i18n import Text, say
from ..secrets import Secret, mask, remember
from .line import parse_magic_line
from .traits import CaselessStrEnum

if TYPE_CHECKING:
    from ..providers import Provider
    from .key_widget import KeyEntry


def get_provider(name: str) -> Provider:
    """The registry's adapter; the registry loads with the first %llm_key, not with %load_ext."""
    from ..providers import get_provider as registered

    return registered(name)


def provider_names(*, aliases: bool = False) -> list[str]:
    from ..providers import provider_names as registered

    return registered(aliases=aliases)


def _print(*texts: Text) -> None:
    for text in texts:
        print(say(text))


def foreign_key_problem(provider: Provider, key: str | Secret) -> Text | None:
    """A hint when ``key`` starts with another provider's prefix (an ``hf_`` key given to DeepSeek)."""
    if not provider.key_prefixes or key.startswith(provider.key_prefixes):
        return None
    others = {prefix for name in provider_names() for prefix in get_provider(name).key_prefixes}
    if any(key.startswith(prefix) for prefix in others - set(provider.key_prefixes)):
        return provider.foreign_key_hint(mask(key))  # the mask keeps the prefix: all a hint reads
    return None


def _one_provider(names: list[str]) -> Provider | None:
    if len(names) > 1:
        raise ConfigurationError(
            Text(f"%llm_key takes one provider name, not {len(names)} words.",
                 f"%llm_key 后面只能写一个服务商名称，你写了 {len(names)} 个词。"),
            hint=Text("Never type a key on the magic line; run %llm_key PROVIDER and use the password box.",
                      "不要把 Key 写在魔法命令那一行里；请运行 %llm_key 服务商，在密码框中输入。"))
    return get_provider(names[0]) if names else None


def _check_combination(args: Any, provider: Provider | None) -> None:
    """Options that make no sense together are refused before anything happens."""
    if args.forget and (args.check or args.env or args.save_env):
        raise ConfigurationError(Text("--forget cannot be combined with other options.",
                                      "--forget 不能与其他选项同时使用。"))
    if provider is None and (args.check or args.forget or args.save_env or args.getpass):
        raise ConfigurationError(Text("Name the provider, e.g. %llm_key deepseek --check.",
                                      "请写明服务商，例如 %llm_key deepseek --check。"))


def _show_table() -> None:
    from IPython.display import display

    from .key_table import KeyTable

    display(KeyTable())


def _nothing() -> None:
    """A sub-command that was already done (``--env`` alone)."""


@magics_class
class KeyMagics(Magics):
    """The ``%llm_key`` line magic."""

    entry = CaselessStrEnum(
        ("auto", "widget", "getpass"), default_value="auto",
        help="How %llm_key PROVIDER asks for a key: 'auto' and 'getpass' use the kernel's own hidden prompt "
             "(never saved in the notebook; where nobody can type, as under nbconvert, a message names .env "
             "instead); 'widget' shows a password box, whose value can be saved with the notebook's widget "
             "state if it is sent while the kernel is busy.",
    ).tag(config=True)

    #: the password box shown last (tests and debugging)
    last_entry: KeyEntry | None = None

    @magic_arguments()
    @argument("provider", nargs="*", metavar="PROVIDER",
              help="deepseek, bailian, chatanywhere, huggingface, openai, … (none: show every provider's key status)")
    @argument("--check", action="store_true",
              help="verify the key with the cheapest real call (GET /models) / 用最便宜的真实请求检查 Key")
    @argument("--forget", action="store_true", help="drop the key entered in this session / 忘记本会话输入的 Key")
    @argument("--env", metavar="PATH",
              help="load keys from a .env or .Renviron file into this session / 从 .env 或 .Renviron 文件载入 Key")
    @argument("--save-env", action="store_true",
              help="also write the key you enter into .env (on Linux and macOS readable by you only) / "
                   "同时把输入的 Key 写入 .env")
    @argument("--gitignore", action="store_true",
              help="add .env to .gitignore when the folder is a git checkout / 把 .env 加入 .gitignore")
    @argument("--getpass", action="store_true",
              help="ask with the hidden prompt even when KeyMagics.entry is 'widget' / "
                   "即使设置了密码框控件，也用隐藏输入")
    @line_magic
    def llm_key(self, line: str = "") -> None:
        """Keys from the environment, a .env file, or the kernel's hidden prompt — never in the notebook.

        Without arguments, shows each provider, the variables it reads, whether a key was found,
        where it came from, and the key masked (sk-…a1b2). Keys are looked up in this order:
        entered in this kernel, the environment, the nearest .env from the working folder upwards.

        从环境变量、.env 文件或内核的隐藏输入框获取 Key —— 绝不写进 notebook。不带参数时显示每个服务商的 Key 状态。

        Examples::

            %llm_key                        # status table / 状态表
            %llm_key deepseek               # hidden prompt / 隐藏输入框
            %llm_key deepseek --save-env    # ... and write it to .env / 并写入 .env
            %llm_key deepseek --check       # GET /models with the key / 检查 Key
            %llm_key deepseek --forget
            %llm_key --env ~/.Renviron
        """
        self._refuse_typed_key(line)
        args = parse_magic_line(self.llm_key, line, "%llm_key")
        provider = _one_provider(args.provider)
        _check_combination(args, provider)
        if args.env:
            self._load_file(args.env, provider)
        self._subcommand(args, provider)()

    def _subcommand(self, args: Any, provider: Provider | None) -> Callable[[], None]:
        """What the line asks for once a ``--env`` file is loaded: the table, a check, the password box…"""
        if provider is None:
            if args.gitignore:
                return self._gitignore
            return _nothing if args.env else _show_table
        if args.forget:
            return lambda: self._forget(provider)
        if args.check:
            return lambda: self._check(provider)
        if args.env:
            return _nothing
        return lambda: self._enter(provider, save_env=args.save_env, gitignore=args.gitignore,
                                   use_getpass=args.getpass)

    def _refuse_typed_key(self, line: str) -> None:
        """A key typed on the line is never used: it is hidden from then on and scrubbed from history."""
        from .key_history import key_like_tokens, scrub_history

        typed = key_like_tokens(line, allowed=provider_names(aliases=True))
        if typed:
            for secret in typed:
                remember(secret)  # from now on every message and error hides it
            scrub_history(self.shell, typed)
            raise self._typed_key_error(line)

    # -- the sub-commands ------------------------------------------------------------------------
    @staticmethod
    def _typed_key_error(line: str) -> ConfigurationError:
        words = line.split()
        name = next((w for w in words if w.lower() in provider_names(aliases=True)), "PROVIDER")
        try:
            provider = get_provider(name) if name != "PROVIDER" else None
        except LLMError:
            provider = None
        variables = " / ".join(provider.key_vars) if provider else "DEEPSEEK_API_KEY"
        hint = Text(f"Delete the key from this cell, then run %llm_key {name} and paste it into the password box, "
                    f"or put {variables}=… in a .env file. If the notebook was shared or committed, create a new key.",
                    f"请从单元格中删除这个 Key，然后运行 %llm_key {name}，在密码框中粘贴；或把 {variables}=… "
                    "写进 .env 文件。如果 notebook 已经分享或提交，请重新创建一个 Key。")
        return ConfigurationError(
            Text("A key must not be typed on the magic line: the cell's text is saved in the notebook file "
                 "and in IPython's history. It was not used, and it was removed from this session's history.",
                 "Key 不能写在魔法命令那一行里：单元格的文本会保存在 notebook 文件和 IPython 历史记录中。"
                 "这个 Key 没有被使用，并已从本会话的历史记录中删除。"),
            hint=hint, provider=provider.name if provider else None)

    def _enter(self, provider: Provider, *, save_env: bool, gitignore: bool, use_getpass: bool) -> None:
        from ..keys.lookup import ENTERED, lookup_key
        from .key_prompt import cannot_ask, key_in_use

        if not provider.needs_key:
            _print(provider.key_hint())
            return
        mode = self._entry_mode(use_getpass)
        current = lookup_key(provider)
        if mode == "none":  # nobody can type: say which key is used, or how to give one
            _print(key_in_use(provider, current) if current.found else cannot_ask(provider))
            return
        if current.found and current.source != ENTERED:
            _print(Text(f"A key is already set ({current.masked}, {current.came_from().en}); the one you enter now "
                        "takes precedence in this session.",
                        f"已有一个 Key（{current.masked}，{current.came_from().zh}）；"
                        "现在输入的 Key 在本会话中优先使用。"))
        if mode == "widget":
            from IPython.display import display

            from .key_widget import KeyEntry

            self.last_entry = KeyEntry(provider, write_env=save_env)
            display(self.last_entry)
            return
        self._enter_with_getpass(provider, save_env=save_env, gitignore=gitignore)

    def _entry_mode(self, use_getpass: bool) -> str:
        """'getpass', 'widget', or 'none' where the front end lets nobody type (see magics/key_prompt.py).

        The password box only when asked for by name: its value can be saved with the notebook."""
        from .key_prompt import stdin_allowed

        if self.entry.lower() == "widget" and not use_getpass:
            return "widget"
        return "getpass" if stdin_allowed(self.shell) else "none"

    def _enter_with_getpass(self, provider: Provider, *, save_env: bool, gitignore: bool) -> None:
        from ..keys.lookup import set_session_key
        from .key_prompt import ask_hidden
        from .key_widget import masked_line

        value = ask_hidden(provider)
        if value is None:
            _print(Text("Cancelled; no key was saved.", "已取消；没有保存 Key。"))
            return
        if not value:  # Enter on an empty field: "Run All" goes on, as after a cancel
            _print(Text(f"Nothing was typed; no key was saved. Run %llm_key {provider.name} again to enter one.",
                        f"没有输入内容，没有保存 Key。要输入 Key，请再运行一次 %llm_key {provider.name}。"))
            return
        key = set_session_key(provider, value)
        _print(masked_line(provider, key))
        foreign = foreign_key_problem(provider, key) or provider.foreign_key_hint(mask(key))
        if foreign:
            _print(foreign)
        if save_env:
            from ..keys.envfile import save_provider_key

            result = save_provider_key(provider, key)
            _print(*result.messages())
            if result.exposed and not result.tracked:
                if gitignore:
                    self._gitignore(result.path)
                else:
                    _print(Text("Run %llm_key --gitignore to add it to .gitignore.",
                                "运行 %llm_key --gitignore 把它加入 .gitignore。"))

    def _gitignore(self, path: Path | None = None) -> None:
        from ..keys.envfile import add_to_gitignore, env_target, git_root, is_ignored

        path = path or env_target()
        if git_root(path.parent) is None:
            _print(Text(f"{path.parent} is not in a git checkout; nothing to ignore.",
                        f"{path.parent} 不在 git 仓库中；无需忽略。"))
        elif is_ignored(path):
            _print(Text(f"git already ignores {path}.", f"git 已经忽略了 {path}。"))
        else:
            rules = add_to_gitignore(path)
            _print(Text(f"Added {path.name} to {rules}.", f"已把 {path.name} 加入 {rules}。"))

    def _forget(self, provider: Provider) -> None:
        from ..keys.lookup import forget_session_key, lookup_key

        had = forget_session_key(provider)
        now = lookup_key(provider)
        said = (Text(f"Forgot the {provider.display_name} key entered in this session.",
                     f"已忘记本会话输入的 {provider.display_name} Key。") if had else
                Text(f"No {provider.display_name} key was entered in this session.",
                     f"本会话没有输入过 {provider.display_name} 的 Key。"))
        if now.found:
            said = said + Text(f"The key now used is {now.masked}, {now.came_from().en}; "
                               "remove it there to stop using it.",
                               f"现在使用的 Key 是 {now.masked}，{now.came_from().zh}；如不想再用，请在那里删除。")
        _print(said)

    def _load_file(self, path: str, only: Provider | None) -> None:
        from ..keys.envfile import read_env_file
        from ..keys.lookup import set_session_key

        source, values = read_env_file(path)
        providers = [only] if only else [get_provider(name) for name in provider_names()]
        loaded, problems = [], []
        for provider in providers:
            variable = next((name for name in provider.key_vars if name in values), None)
            if variable is None:
                continue
            try:
                key = set_session_key(provider, values[variable], loaded_from=source)
            except LLMError as error:
                problems.append(f"✗ {provider.name} ({variable}): {error.texts()[0]}")
                continue
            loaded.append(f"✓ {provider.name}: {mask(key)} ({variable})")
        if not loaded:
            wanted = ", ".join(v for p in providers for v in p.key_vars)
            raise ConfigurationError(
                Text(f"{source} holds no usable key. " + " ".join(problems),
                     f"{source} 中没有可用的 Key。" + " ".join(problems)),
                hint=Text(f"The variables read are: {wanted}.", f"读取的变量有：{wanted}。"),
                provider=only.name if only else None)
        _print(Text(f"Keys loaded from {source} for this session:", f"已从 {source} 为本会话载入 Key："))
        print("\n".join(loaded + problems))

    def _check(self, provider: Provider) -> None:
        """``--check``: the cheapest real call (``GET /models``) with the key in use."""
        from ..engine.client import list_models

        base_url = provider.base_url()
        key = _key_to_check(provider, base_url) if provider.needs_key else None
        started = time.monotonic()
        models = list_models(provider.name, key=key)
        elapsed = (time.monotonic() - started) * 1000
        if provider.needs_key:
            _print(Text(f"✓ OK: {provider.display_name} accepted the key; {len(models)} models, "
                        f"{elapsed:.0f} ms round trip.",
                        f"✓ {provider.display_name} 接受了这个 Key：可用的模型有 {len(models)} 个，"
                        f"一来一回用了 {elapsed:.0f} 毫秒。"))
            _show_key_budget(provider, key)
        else:
            _print(Text(f"✓ OK: {provider.display_name} needs no key and answered at {base_url}: "
                        f"{len(models)} models, {elapsed:.0f} ms round trip.",
                        f"✓ {provider.display_name} 不需要 Key，{base_url} 有响应：可用的模型有 {len(models)} 个，"
                        f"一来一回用了 {elapsed:.0f} 毫秒。"))


def _show_key_budget(provider: Provider, key: Secret | None) -> None:
    """After a gateway key checks out: what it has spent and has left, where the gateway reports it."""
    from ..engine.key_info import key_budget
    from ..providers.gateway import Gateway

    if not isinstance(provider, Gateway):
        return
    budget = key_budget(provider, key=key)
    _print(budget.described() if budget else
           Text("The gateway does not report a budget for this key (LiteLLM does at /key/info).",
                "网关没有提供这个 Key 的额度信息（LiteLLM 网关会在 /key/info 提供）。"))


def _key_to_check(provider: Provider, base_url: str) -> Secret:
    """The key ``--check`` sends, after refusing one that belongs to another provider."""
    from ..keys.lookup import lookup_key, require_key

    key = require_key(provider)
    found = lookup_key(provider)
    foreign = foreign_key_problem(provider, key)
    if foreign:
        raise ConfigurationError(
            foreign,
            hint=Text(f"It was not sent. Set the {provider.display_name} key with %llm_key {provider.name}; "
                      f"the key in use ({mask(key)}) comes {found.came_from().en}.",
                      f"这个 Key 没有被发送。请用 %llm_key {provider.name} 设置 {provider.display_name} 的 Key；"
                      f"当前的 Key（{mask(key)}）{found.came_from().zh}。"),
            provider=provider.name)
    _print(Text(f"Checking the {provider.display_name} key ({mask(key)}, {found.came_from().en}) "
                f"with GET {base_url}/models …",
                f"正在用 GET {base_url}/models 检查 {provider.display_name} 的 Key"
                f"（{mask(key)}，{found.came_from().zh}）……"))
    return key
