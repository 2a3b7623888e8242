"""The same chat request made by each library: llm_magic, a bare requests loop, and the
alternatives (openai SDK, LiteLLM, simonw's llm) when they are installed.

Every client returns the answer text (``call``) or yields text deltas (``stream``), so the
worker can check that each one really parsed the answer before timing it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

MODEL = "deepseek-chat"
ALTERNATIVES = ("openai", "litellm", "llm")


class Client:
    """One library's way to send the benchmark request."""

    name = "?"

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key

    def call(self, prompt: str) -> str:
        raise NotImplementedError

    def stream(self, prompt: str) -> Iterator[str]:
        raise NotImplementedError


class LLMMagic(Client):
    name = "llm_magic"

    def __init__(self, base_url: str, key: str) -> None:
        super().__init__(base_url, key)
        import llm_magic

        self._ask, self._stream = llm_magic.ask, llm_magic.stream

    def call(self, prompt: str) -> str:
        return str(self._ask("deepseek", prompt, model=MODEL, base_url=self.base_url, key=self.key))

    def stream(self, prompt: str) -> Iterator[str]:
        return self._stream("deepseek", prompt, model=MODEL, base_url=self.base_url, key=self.key)


class Bare(Client):
    """The floor: one keep-alive ``requests.Session``, ``json.loads``, nothing else."""

    name = "bare"

    def __init__(self, base_url: str, key: str) -> None:
        super().__init__(base_url, key)
        import requests

        self.session = requests.Session()
        self.url = f"{base_url}/chat/completions"
        self.headers = {"Authorization": f"Bearer {key}"}

    def _body(self, prompt: str, stream: bool) -> dict[str, Any]:
        return {"model": MODEL, "messages": [{"role": "user", "content": prompt}], "stream": stream}

    def call(self, prompt: str) -> str:
        response = self.session.post(self.url, json=self._body(prompt, False), headers=self.headers)
        return json.loads(response.content)["choices"][0]["message"]["content"]

    def stream(self, prompt: str) -> Iterator[str]:
        with self.session.post(self.url, json=self._body(prompt, True), headers=self.headers,
                               stream=True) as response:
            for line in response.iter_lines():
                if not line.startswith(b"data: "):
                    continue
                data = line[6:]
                if data == b"[DONE]":
                    return
                choices = json.loads(data)["choices"]
                text = choices[0]["delta"].get("content") if choices else None
                if text:
                    yield text


class OpenAISDK(Client):
    name = "openai"

    def __init__(self, base_url: str, key: str) -> None:
        super().__init__(base_url, key)
        import openai

        self.client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)

    def _messages(self, prompt: str) -> Any:  # the SDK's TypedDicts, built as plain dicts
        return [{"role": "user", "content": prompt}]

    def call(self, prompt: str) -> str:
        reply = self.client.chat.completions.create(model=MODEL, messages=self._messages(prompt))
        return reply.choices[0].message.content or ""

    def stream(self, prompt: str) -> Iterator[str]:
        chunks: Any = self.client.chat.completions.create(model=MODEL, messages=self._messages(prompt),
                                                          stream=True)
        for chunk in chunks:
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content


class LiteLLM(Client):
    name = "litellm"

    def __init__(self, base_url: str, key: str) -> None:
        super().__init__(base_url, key)
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no fetch at import
        import litellm

        litellm.telemetry = False
        self.completion = litellm.completion

    def _create(self, prompt: str, stream: bool) -> Any:
        return self.completion(model=f"openai/{MODEL}", api_base=self.base_url, api_key=self.key,
                               messages=[{"role": "user", "content": prompt}], stream=stream,
                               num_retries=0)

    def call(self, prompt: str) -> str:
        return self._create(prompt, False).choices[0].message.content or ""

    def stream(self, prompt: str) -> Iterator[str]:
        for chunk in self._create(prompt, True):
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content


class SimonLLM(Client):
    """simonw's ``llm``: a custom OpenAI-compatible endpoint needs its extra-openai-models.yaml."""

    name = "llm"

    def __init__(self, base_url: str, key: str) -> None:
        super().__init__(base_url, key)
        folder = Path(tempfile.mkdtemp(prefix="bench-llm-"))
        atexit.register(shutil.rmtree, folder, True)
        (folder / "extra-openai-models.yaml").write_text(
            f"- model_id: loopback\n  model_name: {MODEL}\n  api_base: \"{base_url}\"\n"
            "  api_key_name: loopback\n")
        (folder / "keys.json").write_text(json.dumps({"loopback": key}))
        os.environ["LLM_USER_PATH"] = str(folder)
        import llm

        self.model = llm.get_model("loopback")

    def call(self, prompt: str) -> str:
        return self.model.prompt(prompt, stream=False).text()

    def stream(self, prompt: str) -> Iterator[str]:
        yield from self.model.prompt(prompt, stream=True)


CLIENTS: dict[str, Callable[[str, str], Client]] = {
    "llm_magic": LLMMagic, "bare": Bare, "openai": OpenAISDK, "litellm": LiteLLM, "llm": SimonLLM,
}
