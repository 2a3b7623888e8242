"""Where a key may go: base URLs checked with the parser that connects, proxies kept off loopback.

The check reads a URL with urllib3's ``parse_url``, the parser requests uses to open the
connection: urllib's ``urlsplit`` reads ``http://attacker.example\\@127.0.0.1/v1`` as a URL to
127.0.0.1 while urllib3 connects to attacker.example, so checking with one and connecting with
the other sent the key in clear text to another computer. Characters no base URL needs
(backslashes, whitespace, control characters, user-info, a query or a fragment) are refused
outright rather than interpreted.

Loopback traffic never goes through a proxy: with ``HTTP_PROXY``/``ALL_PROXY`` set (Clash,
V2Ray), requests would hand a local gateway's key to the proxy in clear text, and the offline
demo would get the proxy's 502. Remote HTTPS honours the environment's proxies as before.
"""

from __future__ import annotations

import ipaddress

from ..errors import ConfigurationError
from ..i18n import Text

#: per-request proxies that override the environment's for every scheme (requests drops the
#: None entries after merging, so nothing is left to pick a proxy from)
NO_PROXY: dict[str, str | None] = {"http": None, "https": None, "all": None}


def host_of(url: str) -> str | None:
    """The host urllib3 would connect to (lower case, IPv6 without brackets), or None."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    try:
        host = parse_url(url).host
    except LocationParseError:
        return None
    return host.strip("[]").lower() if host else None


def is_loopback(host: str | None) -> bool:
    """This computer: ``localhost`` or a loopback address (not ``*.localhost``: DNS may answer it)."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def proxies_for(url: str) -> dict[str, str | None] | None:
    """``NO_PROXY`` for a loopback URL; None (the environment's proxies) for any other."""
    return NO_PROXY if is_loopback(host_of(url)) else None


def _refuse(url: str, provider: str, problem: Text, hint: Text | None = None) -> ConfigurationError:
    return ConfigurationError(
        Text(f"The base URL {url!r} {problem.en}", f"Base URL {url!r} {problem.zh}"),
        hint=hint or Text("Use the form https://host/path, e.g. https://api.deepseek.com.",
                          "请使用 https://主机/路径 的形式，例如 https://api.deepseek.com。"),
        provider=provider,
    )


def _problem(url: str) -> Text | None:
    """What makes ``url`` unfit as a base URL, before anyone parses it."""
    if "\\" in url:
        return Text("contains a backslash, which URL parsers read differently.",
                    "含有反斜杠，不同的网址解析器会有不同理解。")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return Text("contains a space, a line break or a control character.", "含有空格、换行或控制字符。")
    if "?" in url or "#" in url:
        return Text("has a query or a fragment (? or #); a base URL has neither.",
                    "带有查询或片段（? 或 #）；Base URL 不应包含它们。")
    return None


def check_base_url(url: str, provider: str) -> str:
    """Refuse a malformed or ambiguous URL, and plain http:// anywhere but this computer: keys travel over HTTPS."""
    from urllib3.exceptions import LocationParseError
    from urllib3.util import parse_url

    problem = _problem(url)
    if problem is not None:
        raise _refuse(url, provider, problem)
    try:
        parts = parse_url(url)
    except LocationParseError:
        parts = None
    if parts is None or (parts.scheme or "").lower() not in ("http", "https") or not parts.host:
        raise _refuse(url, provider, Text("is not a web address.", "不是有效的网址。"))
    if parts.auth is not None or "@" in url:
        raise _refuse(url, provider,
                      Text("contains a user name or password (user@host).", "包含用户名或密码（user@host）。"),
                      Text("Remove the part before @: the key is sent in its own header.",
                           "请删除 @ 之前的部分：Key 会通过专门的请求头发送。"))
    if (parts.scheme or "").lower() == "http" and not is_loopback(host_of(url)):
        raise _refuse(
            url, provider,
            Text("uses plain http:// to another computer: the key would travel unencrypted.",
                 "通过明文 http:// 连接其他计算机：Key 会以未加密的方式传输。"),
            Text("Use https://; plain http:// is allowed only for this computer (localhost, 127.0.0.1).",
                 "请使用 https://；只有本机地址（localhost、127.0.0.1）可以用 http://。"))
    return url
