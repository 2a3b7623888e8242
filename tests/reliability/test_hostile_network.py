"""A hostile network: a base URL written to fool the check, and a proxy in the environment.

Plain http:// is allowed only to this computer, checked with the parser that connects
(urllib3's), so no spelling of a URL sends the key elsewhere; loopback traffic bypasses
``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` while remote HTTPS still uses them; a SOCKS proxy
without PySocks gets a message naming the fix. The "other computer" and the proxy are raw
sockets on 127.0.0.1 that record every byte they receive.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

import llm_magic
from llm_magic import errors
from llm_magic.wire.urls import check_base_url, host_of
from tests.harness.listener import RecordingListener

KEY = "sk-test-NETWORK-0a1b2c3d4e5f6789"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch):
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_a_backslash_url_that_fools_urlsplit_sends_nothing_anywhere():
    with RecordingListener() as other:
        url = f"http://127.0.0.1:{other.port}\\@localhost:9/v1"
        assert urlsplit(url).hostname == "localhost"  # what a urllib-based check sees...
        assert host_of(url) == "127.0.0.1"  # ...and where urllib3 connects (here: "another computer")
        with pytest.raises(errors.ConfigurationError, match="backslash"):
            llm_magic.ask("deepseek", "hi", key=KEY, base_url=url)
    assert other.received == []


@pytest.mark.parametrize("url, problem", [
    ("http://attacker.example\\@127.0.0.1/v1", "backslash"),
    ("http://user:pw@127.0.0.1:8000/v1", "user name"),
    ("https://127.0.0.1@attacker.example/v1", "user name"),
    ("http://127.0.0.1 /v1", "space"),
    ("http://127.0.0.1\t.attacker.example/v1", "space"),
    ("http://127.0.0.1\n.attacker.example/v1", "space"),
    ("http://127.0.0.1\x00.attacker.example/v1", "control"),
    ("http://127.0.0.1:8000#@attacker.example/v1", "fragment"),
    ("http://127.0.0.1:8000/v1?x=1", "query"),
    ("http://attacker.localhost/v1", "plain http"),
    ("http://127.0.0.1.nip.io/v1", "plain http"),
    ("http://0x7f000001/v1", "plain http"),
    ("ftp://127.0.0.1/v1", "not a web address"),
    ("http:///v1", "not a web address"),
])
def test_ambiguous_or_remote_plain_http_urls_are_refused(url, problem):
    with pytest.raises(errors.ConfigurationError, match=problem) as caught:
        check_base_url(url, "deepseek")
    chinese, hint = caught.value.texts("zh")
    assert hint and "Base URL" in chinese


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1",
                                 "HTTP://LOCALHOST:8000/v1", "https://api.deepseek.com", "https://example.com/a/v1"])
def test_ordinary_urls_pass(url):
    assert check_base_url(url, "deepseek") == url


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY", "http_proxy"])
def test_loopback_traffic_bypasses_a_proxy(fake_provider, monkeypatch, variable):
    server = fake_provider("deepseek", key=KEY)
    with RecordingListener() as proxy:
        monkeypatch.setenv(variable, proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        answer = llm_magic.ask("deepseek", "hi")
        models = llm_magic.list_models("deepseek")
    assert answer.startswith("Loopback") and models
    assert proxy.received == [] and server.request_count == 2


def test_the_offline_demo_works_behind_a_proxy(monkeypatch):
    with RecordingListener() as proxy:
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        answer = llm_magic.ask("demo", "你好")
    assert answer and proxy.received == []


def test_remote_https_still_goes_through_the_proxy(monkeypatch):
    with RecordingListener() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with pytest.raises(errors.LLMError):
            llm_magic.ask("deepseek", "hi", key=KEY, base_url="https://api.example.invalid/v1", max_retries=0)
    seen = proxy.everything
    assert seen.startswith(b"CONNECT api.example.invalid:443")  # a tunnel: the key would travel inside TLS
    assert KEY.encode() not in seen and KEY[:12].encode() not in seen


def test_a_socks_proxy_without_pysocks_names_the_fix(fake_provider, monkeypatch):
    pytest.importorskip("requests")
    try:
        import socks  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("PySocks is installed here: requests can use the SOCKS proxy")
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1")
    with pytest.raises(errors.ConfigurationError, match=r"pip install requests\[socks\]") as caught:
        llm_magic.ask("deepseek", "hi", key=KEY, base_url="https://api.example.invalid/v1", max_retries=0)
    assert "PySocks" in caught.value.texts("zh")[0]
    fake_provider("deepseek", key=KEY)
    assert llm_magic.ask("deepseek", "hi").startswith("Loopback")  # loopback ignores the SOCKS proxy
