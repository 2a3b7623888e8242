"""``%%llm`` and ``%llm``: parse the magic line, then hand the call to the engine and a renderer.

Every default is a traitlet, so a course sets it once in ``ipython_config.py`` or with
``%config LLMMagics.default_provider = "bailian"``. Nothing heavy is imported until a cell runs.
"""

from __future__ import annotations

import keyword
from typing import TYPE_CHECKING, Any, TypeVar

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import TraitError, observe, validate

from ..i18n import LANGUAGES, Text
from ..render.formats import FORMAT_NAMES
from .line import parse_line, split_line
from .traits import Bool, Dict, Enum, Float, Int, Unicode
from .wire_view import LANGUAGES as WIRE_LANGUAGES

if TYPE_CHECKING:
    import argparse

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets import Bunch

    from .cell import Cell

T = TypeVar("T")


@magics_class
class LLMMagics(Magics):
    """Ask a language model from a cell; the answer streams in as Markdown."""

    shell: InteractiveShell  # set by IPython when it registers the magics

    default_provider = Unicode("deepseek", help="Provider used when %%llm names none.").tag(config=True)
    models = Dict(value_trait=Unicode(), help="Default model per provider, e.g. {'deepseek': 'deepseek-v4-pro'}; "
                  "merged into llm_magic.settings.models.").tag(config=True)
    language = Enum(LANGUAGES, "auto", help="Language of messages: auto (follow the locale), "
                    "en, zh or both.").tag(config=True)
    debug = Bool(False, help="Show the full traceback of errors instead of the short explanation.").tag(config=True)
    temperature = Float(None, allow_none=True,
                        help="Sampling temperature, 0–2 (None: the provider's default).").tag(config=True)
    max_tokens = Int(None, allow_none=True,
                     help="Longest answer in tokens (None: the provider's default).").tag(config=True)
    system = Unicode(None, allow_none=True, help="System prompt sent before every cell.").tag(config=True)
    format = Enum(FORMAT_NAMES, FORMAT_NAMES[0],
                  help="How answers are shown.").tag(config=True)
    stream = Bool(True, help="Stream answers as they are written (False: wait for the whole answer).").tag(config=True)
    timeout = Float(300.0, help="Seconds to wait for the answer to begin (its first token), and at most for "
                    "each token after it (llm_magic.settings.timeout).").tag(config=True)
    idle_timeout = Float(60.0, help="Seconds of silence allowed between two tokens once the answer has begun "
                         "(never more than timeout; llm_magic.settings.idle_timeout).").tag(config=True)
    max_time = Float(None, allow_none=True, help="Seconds a whole call may take at most (None: no cap, an answer "
                     "that keeps coming is never cut; llm_magic.settings.max_time).").tag(config=True)
    max_retries = Int(2, help="Retries after 429, 5xx or a failed connection, "
                      "before any text arrived.").tag(config=True)
    bailian_region = Enum(["cn", "intl", "us", "hk", "tokyo"], "cn", help="Bailian region of your key: cn (Beijing), "
                          "intl (Singapore), us (Virginia), hk (Hong Kong), tokyo (Japan: needs "
                          "bailian_workspace).").tag(config=True)
    bailian_workspace = Unicode(None, allow_none=True, help="Bailian workspace id: calls go to the region's "
                                "workspace-dedicated host, https://{id}.{region}.maas.aliyuncs.com/compatible-mode/v1 "
                                "(None: the shared DashScope host).").tag(config=True)
    unsupported_parameters = Enum(["drop", "refuse"], "drop", help="A -t / --top-p the model does not accept "
                                  "(GPT-5 and newer OpenAI reasoning models): drop it with a note, or refuse to "
                                  "send.").tag(config=True)
    chatanywhere_host = Enum(["cn", "global"], "cn", help="ChatAnywhere host: cn (api.chatanywhere.tech) or "
                             "global (api.chatanywhere.org).").tag(config=True)
    base_urls = Dict(value_trait=Unicode(), help="Base URL per provider, e.g. a school's gateway.").tag(config=True)
    endpoints = Dict(value_trait=Dict(), help="Extra OpenAI-compatible providers: name → {base_url, key_var, "
                     "default_model}, e.g. {'moonshot': {'base_url': 'https://api.moonshot.cn/v1', "
                     "'key_var': 'MOONSHOT_API_KEY', 'default_model': 'kimi-k2'}}.").tag(config=True)
    cache = Bool(False, help="Keep answers in a local SQLite file and replay them when the same cell (prompt, "
                  "provider, model, options) runs again: no key, no network, no cost; footers say 'replayed'. "
                  "Per cell: --cache, --no-cache; --refresh asks again and keeps the new answer.").tag(config=True)
    cache_path = Unicode(None, allow_none=True, help="The cache file (None: .llm_magic_cache.sqlite in the "
                         "working directory).").tag(config=True)
    max_tokens_per_session = Int(None, allow_none=True, help="Tokens (in + out) this kernel session may use; "
                                 "once used, %%llm refuses to send. None: no limit."
                                 ).tag(config=True)
    display_mode = Enum(["auto", "notebook", "terminal"], "auto", help="auto: update one output in a notebook, "
                        "print as text in terminal IPython; or force one.").tag(config=True)

    # -- configuration → engine settings ------------------------------------------------------
    @validate("temperature")
    def _check_temperature(self, proposal: Bunch) -> float | None:
        value: float | None = proposal["value"]
        if value is not None and not 0 <= value <= 2:
            raise TraitError(str(Text(f"LLMMagics.temperature must be between 0 and 2, not {value}.",
                                      f"LLMMagics.temperature 必须在 0 到 2 之间，你填的是 {value}。")))
        return value

    @validate("timeout", "idle_timeout", "max_time", "max_tokens", "max_retries", "max_tokens_per_session")
    def _check_positive(self, proposal: Bunch) -> float | None:
        value: float | None = proposal["value"]
        name: str = proposal["trait"].name
        if value is not None and (value < 0 or (value == 0 and name != "max_retries")):
            least = Text("0 or more", "不能小于 0") if name == "max_retries" else Text("positive", "必须大于 0")
            raise TraitError(str(Text(f"LLMMagics.{name} must be {least.en}, not {value}.",
                                      f"LLMMagics.{name} {least.zh}，你填的是 {value}。")))
        return value

    @validate("endpoints")
    def _check_endpoints(self, proposal: Bunch) -> dict[str, dict[str, str]]:
        endpoints: dict[str, dict[str, str]] = proposal["value"]
        for name, spec in endpoints.items():
            if not spec.get("base_url") or set(spec) - {"base_url", "key_var", "default_model"}:
                raise TraitError(str(Text(
                    f"LLMMagics.endpoints: {name!r} needs 'base_url' and may have 'key_var' and 'default_model'.",
                    f"LLMMagics.endpoints：{name!r} 必须有 'base_url'，还可以有 'key_var' 和 'default_model'。")))
        return endpoints

    @observe("models", "base_urls")
    def _merge_setting(self, change: Bunch) -> None:
        from ..config import settings

        getattr(settings, change["name"]).update(change["new"])

    @observe("timeout", "idle_timeout", "max_time", "max_retries", "bailian_region", "bailian_workspace",
             "chatanywhere_host", "max_tokens_per_session", "cache_path", "unsupported_parameters")
    def _set_setting(self, change: Bunch) -> None:
        from ..config import settings

        setattr(settings, change["name"], change["new"])

    @observe("language")
    def _set_language(self, change: Bunch) -> None:
        from ..i18n import set_language
        from .llm_help import rebuild_help

        set_language(change["new"])
        rebuild_help(LLMMagics.llm)

    @observe("endpoints")
    def _register_endpoints(self, change: Bunch) -> None:
        from ..providers import register_provider

        for name, spec in change["new"].items():
            register_provider(name, spec["base_url"], key_var=spec.get("key_var"),
                              default_model=spec.get("default_model"))

    # -- the magic ----------------------------------------------------------------------------
    @no_var_expand
    @magic_arguments()
    @argument("provider", nargs="*", help="PROVIDER or PROVIDER:MODEL (default: LLMMagics.default_provider); "
              "several (%%%%llm deepseek bailian hf:MODEL) answer side by side, -o then stores a dict "
              "by provider.")
    @argument("-m", "--model", help="Model name (overrides PROVIDER:MODEL and LLMMagics.models; one provider only).")
    @argument("-s", "--system", help="System prompt.")
    @argument("-t", "--temperature", type=float, help="Sampling temperature, 0–2.")
    @argument("--max-tokens", type=int, help="Longest answer, in tokens.")
    @argument("--top-p", type=float, help="Nucleus sampling, (0, 1].")
    @argument("--no-stream", dest="stream", action="store_const", const=False, help="Wait for the whole answer.")
    @argument("-f", "--format", choices=FORMAT_NAMES, help="How to show the answer.")
    @argument("-o", "--out", metavar="NAME", help="Also store the answer in the variable NAME.")
    @argument("--chat", nargs="?", const="", metavar="NAME", help="Continue a conversation across cells: the "
              "earlier turns are sent too (the provider's own, or the one called NAME; in %%llm write "
              "--chat=NAME); %%llm_history shows it, %%llm_reset forgets it.")
    @argument("--cache", dest="cache", action="store_const", const=True, help="Replay the stored answer if this "
              "exact call was made before (no key, no network), else ask and store it.")
    @argument("--no-cache", dest="cache", action="store_const", const=False, help="Ask even when LLMMagics.cache "
              "is on.")
    @argument("--refresh", action="store_true", help="Ask again and replace the stored answer (implies --cache).")
    @argument("--dry-run", action="store_true", help="Send nothing: show the estimated prompt tokens, the most "
              "the call can cost with --max-tokens, and what is left of the session budget / 试运行，估算费用。")
    @argument("--think", dest="think", action="store_const", const=True, help="Ask a reasoning model to think.")
    @argument("--no-think", dest="think", action="store_const", const=False, help="Ask it not to think.")
    @argument("--timeout", type=float, metavar="SECONDS", help="Seconds to wait for the answer to begin, its "
              "first token (keep-alive signals do not count; default 300); once it has begun, no pause between "
              "two tokens may be longer either (nor longer than LLMMagics.idle_timeout, 60).")
    @argument("--max-time", type=float, metavar="SECONDS", help="Cut the call after this many seconds in all, "
              "even while the answer is still coming (default: no cap).")
    @argument("--no-vars", action="store_true", help="Send the prompt verbatim: no {name} substitution.")
    @argument("--image", dest="images", action="append", metavar="IMAGE", help="Send an image with the prompt "
              "(repeatable): a file path, an https:// URL, or the name of a notebook variable holding a PIL "
              "image, a matplotlib figure, bytes or a numpy array.")
    @argument("--json", action="store_true", help="Ask for a JSON answer, check it, show it pretty-printed; "
              "the parsed value is in _llm.data.")
    @argument("--schema", metavar="SCHEMA", help="The JSON the answer must follow: a notebook variable (a JSON "
              "Schema dict, a dataclass, a pydantic model) or a concise form such as \"name, age int, tags list\"; "
              "implies --json.")
    @argument("--allow-secrets", action="store_true", help="Send even when the prompt holds something that is, "
              "or looks like, an API key (it is refused otherwise).")
    @argument("--debug", action="store_true", help="Show the full traceback of an error.")
    @argument("--show-code", nargs="?", const="python", choices=WIRE_LANGUAGES, metavar="LANGUAGE",
              help="Also print the request this cell sends as runnable code: python (requests, the default), "
              "curl, r (httr2) or js (fetch); the key is read from the provider's environment variable "
              "(in %%llm on one line: --show-code=curl).")
    @argument("--show-raw", action="store_true", help="After the answer, show the raw JSON reply (or the first "
              "and last stream events) with the path to the text marked.")
    @line_cell_magic
    def llm(self, line: str, cell: str | None = None) -> None:
        """Ask a language model. The cell (or, for %llm, the rest of the line) is the prompt.

        ``%%llm?`` shows ``llm_help.INTRO`` and the options in the language in force
        (``llm_help.rebuild_help``).
        """
        from .llm_help import rebuild_help

        rebuild_help(LLMMagics.llm)  # %%llm? in the language in force, should it have changed
        if cell is None:
            line, cell = split_line(self.llm.parser, line)
        args = parse_line(self.llm.parser, line)
        cell = cell.lstrip("\r\n").rstrip()  # IPython adds a newline; indentation may matter
        if args.out is not None and (not args.out.isidentifier() or keyword.iskeyword(args.out)):
            raise UsageError(str(Text(f"-o needs a variable name, not {args.out!r}.",
                                      f"-o 后面要写一个变量名，你填的是 {args.out!r}。")))
        debug = args.debug or self.debug
        try:
            self._run(args, cell)
        except KeyboardInterrupt as stop:
            # ■ before the answer started (a key prompt, a retry pause): three lines, no traceback either
            from ..errors import Interrupted

            stopped = stop if isinstance(stop, Interrupted) else Interrupted()
            stopped.show_traceback = debug
            raise stopped from None
        except Exception as error:
            if debug and hasattr(error, "show_traceback"):
                error.show_traceback = True
            raise

    def _run(self, args: argparse.Namespace, prompt: str) -> None:
        from .cell import run_many, run_one

        cell = self._cell(args, prompt)
        specs = args.provider or [self.default_provider]
        if len(specs) == 1:
            run_one(specs[0], cell)
            return
        for given, option in ((args.model, "-m"), (args.chat, "--chat"), (args.show_code, "--show-code"),
                              (args.show_raw or None, "--show-raw")):
            if given is not None:
                raise UsageError(_one_provider_only(option))
        run_many(specs, cell)

    def _cell(self, args: argparse.Namespace, prompt: str) -> Cell:
        """The cell's request: its options over the traitlets' defaults, notebook variables filled in."""
        from ..engine.options import AskOptions, SendOptions
        from ..render.show import Screen
        from .cell import Cell

        system = args.system if args.system is not None else self.system
        substituted: tuple[str, ...] = ()
        if not args.no_vars:
            from .interpolate import fill_cell

            prompt, system, substituted = fill_cell(prompt, system, self.shell.user_ns)
        fmt = args.format or self.format
        schema = self._notebook_value(args.schema) if args.schema is not None else None
        wants_json = args.json or schema is not None  # -f json only shows; --json asks for JSON and checks it
        asked = AskOptions(system=system or None, temperature=_pick(args.temperature, self.temperature),
                           max_tokens=_pick(args.max_tokens, self.max_tokens), top_p=args.top_p, think=args.think,
                           stream=_pick(args.stream, self.stream), images=self._images(args.images),
                           json=wants_json, schema=schema)
        send = SendOptions(timeout=args.timeout, max_time=args.max_time, allow_secrets=args.allow_secrets)
        return Cell(prompt, asked, send, model=args.model,
                    fmt="json" if wants_json else fmt, screen=Screen.of(self.shell, self.display_mode),
                    chat=args.chat, cache=args.refresh or _pick(args.cache, self.cache), refresh=args.refresh,
                    dry_run=args.dry_run,
                    store=lambda result: self._store(result, args.out), show_code=args.show_code,
                    show_raw=args.show_raw, substituted=substituted)

    def _notebook_value(self, word: str) -> Any:
        """The notebook variable ``word`` names (``fig``, ``Person``, ``data.image``), else the word itself."""
        head, *attributes = word.split(".")
        if not head.isidentifier() or head not in self.shell.user_ns:
            return word
        value = self.shell.user_ns[head]
        for attribute in attributes:
            value = getattr(value, attribute, None)
            if value is None:
                return word
        return value

    def _images(self, words: list[str] | None) -> tuple[Any, ...]:
        """Each ``--image``: a notebook variable's value, or a path or URL; read now, so a typo fails first."""
        if not words:
            return ()
        from ..engine.images import image_from  # loaded only when a cell sends images

        return tuple(image_from(self._notebook_value(word), label=word) for word in words)

    def _store(self, answer: Any, name: str | None) -> None:
        """``_llm`` (and ``-o NAME``): the Answer, or a dict of them by provider label when several answered."""
        self.shell.user_ns["_llm"] = answer
        if name:
            self.shell.user_ns[name] = answer


def _one_provider_only(option: str) -> str:
    from ..i18n import Text

    if option == "-m":
        return str(Text("-m works with one provider; with several, give each one's model as PROVIDER:MODEL.",
                        "-m 只能用于一个服务商；比较多个服务商时，请用 服务商:模型 的形式分别指定模型。"))
    if option == "--chat":
        return str(Text("--chat works with one provider: a conversation continues with one model.",
                        "--chat 只能用于一个服务商：对话要和同一个模型继续。"))
    return str(Text(f"{option} works with one provider: run the cell once per provider to see each request.",
                    f"{option} 只能用于一个服务商：想看每家的请求，请每个服务商各运行一次。"))


def _pick(given: T | None, default: T) -> T:
    return default if given is None else given
