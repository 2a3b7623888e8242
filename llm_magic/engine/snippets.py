"""A chat request written out as code a student can run: Python (requests), curl, R (httr2), JavaScript (fetch).

Each version sends the same URL, headers and JSON body as the cell and reads the key from the
provider's environment variable, never from the code. Streamed requests read the
Server-Sent Events and print ``choices[0].delta.content``; whole replies print
``choices[0].message.content``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..errors import ConfigurationError
from ..i18n import Text, say
from .wire_request import WireRequest

LANGUAGES = ("python", "curl", "r", "js")


def _loopback_note(request: WireRequest, comment: str) -> list[str]:
    """The demo's address only exists while this kernel runs: say so above the code (comment lines)."""
    if "://127.0.0.1:" not in request.url and "://localhost:" not in request.url:
        return []
    note = str(Text("This address is a server inside this Jupyter kernel: it works while the kernel runs.",
                    "这个地址是当前 Jupyter 内核里的服务器：内核运行时才能访问。"))
    return [f"{comment} {line}" for line in note.splitlines()]


def _said(text: Text, comment: str) -> str:
    """A comment in the language in force, on one line."""
    return f"{comment} {say(text)}"


_KEY_STAYS_OUT = Text("the key stays out of the code", "Key 不写进代码")
_SSE = Text('Server-Sent Events: one "data: {...}" line per piece', '流式输出（SSE）：每一小段回答是一行 "data: {...}"')


def _note(request: WireRequest, comment: str) -> str:
    return "".join(f"{line}\n" for line in _loopback_note(request, comment))


# -- Python ------------------------------------------------------------------------------------
_PY_STREAM = '''\
response = requests.post(url, headers=headers, json=body, stream=True, timeout=60)
response.raise_for_status()
for line in response.iter_lines():  {sse}
    if not line.startswith(b"data:"):
        continue
    data = line[len(b"data:"):].strip()
    if data == b"[DONE]":
        break
    chunk = json.loads(data)
    if chunk.get("choices"):
        print(chunk["choices"][0]["delta"].get("content") or "", end="", flush=True)
print()
'''
_PY_WHOLE = '''\
response = requests.post(url, headers=headers, json=body, timeout=60)
response.raise_for_status()
reply = response.json()
print(reply["choices"][0]["message"]["content"])
'''


def _py_value(value: Any, indent: str = "") -> str:
    """A JSON value as a Python literal, laid out like the JSON it becomes."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid Python string
    inner = indent + "    "
    if isinstance(value, dict):
        items = [f"{json.dumps(str(k), ensure_ascii=False)}: {_py_value(v, inner)}" for k, v in value.items()]
        opening, closing = "{", "}"
    else:
        items = [_py_value(v, inner) for v in value]
        opening, closing = "[", "]"
    if not items:
        return opening + closing
    return opening + "\n" + "".join(f"{inner}{item},\n" for item in items) + indent + closing


def python_code(request: WireRequest) -> str:
    lines = (["import json"] if request.stream else []) + (["import os"] if request.key_var else [])
    lines = [*lines, "", "import requests", ""] if lines else ["import requests", ""]
    lines += [*_loopback_note(request, "#"), f"url = {json.dumps(request.url)}"]
    if request.key_var:
        lines.append(f'key = os.environ["{request.key_var}"]  {_said(_KEY_STAYS_OUT, "#")}')
    lines.append("headers = {")
    if request.key_var:
        lines.append('    "Authorization": f"Bearer {key}",')
    lines += [f"    {json.dumps(name)}: {json.dumps(value)}," for name, value in request.headers.items()
              if name != "Authorization"]
    lines += ["}", f"body = {_py_value(request.body)}", ""]
    tail = _PY_STREAM.replace("{sse}", _said(_SSE, "#")) if request.stream else _PY_WHOLE
    return "\n".join(lines) + "\n" + tail


# -- curl --------------------------------------------------------------------------------------
def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def curl_code(request: WireRequest) -> str:
    lines = [f"curl {'-N ' if request.stream else ''}{_shell_quote(request.url)}"]  # -N: print each piece at once
    for name, value in request.headers.items():
        if name == "Authorization":
            lines.append(f'  -H "Authorization: Bearer ${request.key_var}"')
        else:
            lines.append(f"  -H {_shell_quote(f'{name}: {value}')}")
    body = json.dumps(request.body, ensure_ascii=False, indent=2)
    lines.append(f"  -d {_shell_quote(body)}")
    where = Text("a Linux or macOS terminal (on Windows: Git Bash or WSL)",
                 "在 Linux 或 macOS 的终端里运行（Windows 上用 Git Bash 或 WSL）")
    return (_note(request, "#") + _said(where, "#") + "\n"
            + " \\\n".join(lines) + "\n")


# -- R (httr2) -----------------------------------------------------------------------------------
_R_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")


def _r_value(value: Any, indent: str = "") -> str:
    """A JSON value as R: objects are named lists, arrays unnamed lists (``req_body_json`` unboxes)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, dict):
        items = [f"{k if _R_NAME.match(k) else '`' + k + '`'} = {_r_value(v, inner)}" for k, v in value.items()]
    else:
        items = [_r_value(v, inner) for v in value]
    if not items:
        return "list()"
    return "list(\n" + ",\n".join(inner + item for item in items) + f"\n{indent})"


_R_WHOLE = '''\
  req_perform()
reply <- resp_body_json(resp)
cat(reply$choices[[1]]$message$content, "\\n")
'''
_R_STREAM = '''\
  req_perform_connection()
repeat {  {sse}
  event <- resp_stream_sse(resp)
  if (is.null(event) || event$data == "[DONE]") break
  chunk <- jsonlite::fromJSON(event$data, simplifyVector = FALSE)
  if (length(chunk$choices) > 0) cat(chunk$choices[[1]]$delta$content)
}
close(resp)
cat("\\n")
'''


def r_code(request: WireRequest) -> str:
    headers = [f"    {json.dumps(name)} = {json.dumps(value)}" for name, value in request.headers.items()
               if name != "Authorization"]
    if request.key_var:
        headers.insert(0, f'    Authorization = paste("Bearer", Sys.getenv({json.dumps(request.key_var)}))')
    return (_note(request, "#") + "library(httr2)\n\n"
            f"resp <- request({json.dumps(request.url)}) |>\n"
            "  req_headers(\n" + ",\n".join(headers) + "\n  ) |>\n"
            f"  req_body_json({_r_value(request.body, '  ')}) |>\n"
            + (_R_STREAM.replace("{sse}", _said(_SSE, "#")) if request.stream else _R_WHOLE))


# -- JavaScript (fetch) -------------------------------------------------------------------------
_JS_WHOLE = '''\
const reply = await response.json();
console.log(reply.choices[0].message.content);
'''
_JS_STREAM = '''\
{sse}
const decoder = new TextDecoder();
let buffer = "";
for await (const bytes of response.body) {
  buffer += decoder.decode(bytes, { stream: true });
  const lines = buffer.split("\\n");
  buffer = lines.pop();
  for (const line of lines) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]") continue;
    const chunk = JSON.parse(data);
    if (chunk.choices.length > 0) process.stdout.write(chunk.choices[0].delta?.content ?? "");
  }
}
process.stdout.write("\\n");
'''


def js_code(request: WireRequest) -> str:
    headers = [f"    {json.dumps(name)}: {json.dumps(value)}," for name, value in request.headers.items()
               if name != "Authorization"]
    if request.key_var:
        headers.insert(0, f"    Authorization: `Bearer ${{process.env.{request.key_var}}}`,")
    body = json.dumps(request.body, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    how = Text("Node.js 18 or later: save as ask.mjs and run node ask.mjs",
               "Node.js 18 或更新版本：保存为 ask.mjs，再运行 node ask.mjs")
    return (_note(request, "//") + _said(how, "//") + "\n"
            f"const response = await fetch({json.dumps(request.url)}, {{\n"
            '  method: "POST",\n  headers: {\n' + "\n".join(headers) + "\n  },\n"
            f"  body: JSON.stringify({body}),\n}});\n"
            'if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);\n'
            + (_JS_STREAM.replace("{sse}", _said(_SSE, "//")) if request.stream else _JS_WHOLE))


_WRITERS: dict[str, Callable[[WireRequest], str]] = {
    "python": python_code, "curl": curl_code, "r": r_code, "js": js_code,
}


def code_for(request: WireRequest, language: str = "python") -> str:
    """``request`` as runnable code in ``language`` (one of :data:`LANGUAGES`)."""
    writer = _WRITERS.get(language.lower())
    if writer is None:
        raise ConfigurationError(
            Text(f"--show-code knows {', '.join(LANGUAGES)}, not {language!r}.",
                 f"--show-code 可选 {'、'.join(LANGUAGES)}，你填的是 {language!r}。"))
    return writer(request)
