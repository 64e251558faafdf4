"""A stand-in for an OpenAI-compatible endpoint: a small ASGI app served by uvicorn on 127.0.0.1 (its own thread
and event loop), speaking ``POST /v1/chat/completions`` with and without ``stream`` (server-sent events ending in
``data: [DONE]``), as the real protocol does.

What it answers is scripted: ``script`` is a list of steps consumed one per request (then ``default``): ``ok``
(the ``responder``'s text), ``429`` (with ``Retry-After: 0``), ``500``, ``503``, ``slow`` (sleeps ``slow_s``
first), ``malformed`` (not JSON), ``schema`` (JSON that breaks the grading schema), ``leak`` (feedback that
quotes ``leak_text``) and ``auth`` (401). Every request body is kept in ``requests``."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.asgi_stand_in import Receive, Send, handled_lifespan, read_body, serve_in_thread

__all__ = ["FakeOpenAI", "default_grader", "serve_fake_openai"]

Responder = Callable[[dict[str, Any]], str]
_RUBRIC = re.compile(r"^(\d+)\. ", re.MULTILINE)


def _rubric_size(body: dict[str, Any]) -> int:
    asked = [m["content"] for m in body["messages"] if m["role"] == "user" and "The rubric:" in m["content"]]
    rubric = asked[-1].split("The rubric:", 1)[-1].split("\n\n", 1)[0] if asked else ""
    return len(_RUBRIC.findall(rubric))


def default_grader(body: dict[str, Any]) -> str:
    """Applies the first rubric item, citing line 1; the feedback names the answer's first words."""
    count = _rubric_size(body)
    items = [
        {"item": i, "applies": i == 1, "rationale": f"item {i}: see line 1", "lines": [1]} for i in range(1, count + 1)
    ]
    return json.dumps({"items": items, "feedback": "Clear explanation of the loop (line 1). Well done."})


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[str] = []
        self.default = "ok"
        self.responder: Responder = default_grader
        self.hint_text = "Your loop stops one element early: look at line 3, where the range ends."
        self.leak_text = ""
        self.slow_s = 2.0
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.url = ""
        self.model = "fake-model-1"

    def _step(self) -> str:
        return self.script.pop(0) if self.script else self.default

    def prompts(self) -> str:
        """Every message of every request, as one text (what the model was shown)."""
        return "\n".join(m["content"] for body in self.requests for m in body.get("messages", []))

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if await handled_lifespan(scope, receive, send):
            return
        body = await read_body(receive)
        if scope["method"] != "POST" or not scope["path"].endswith("/chat/completions"):
            await self._send(send, 404, {"error": {"message": "not found"}})
            return
        request = json.loads(body)
        self.requests.append(request)
        step = self._step()
        if step in ("429", "500", "503", "auth"):
            status = 401 if step == "auth" else int(step)
            headers = [(b"retry-after", b"0")] if status == 429 else []
            await self._send(send, status, {"error": {"message": f"scripted {status}", "type": "test"}}, headers)
            return
        if step == "slow":
            await asyncio.sleep(self.slow_s)
        if request.get("stream"):
            await self._stream(send, step)
            return
        content = self.responder(request)
        if step == "malformed":
            content = "Sure! Here is the grade: the answer is good."
        elif step == "schema":
            content = json.dumps({"items": [{"item": 99, "applies": True}], "feedback": "ok"})
        elif step == "leak":
            parsed = json.loads(content)
            parsed["feedback"] = f"The hidden test is: {self.leak_text}"
            content = json.dumps(parsed)
        await self._send(
            send,
            200,
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.model,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            },
        )

    async def _send(
        self, send: Send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        self.statuses.append(status)
        data = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *(headers or [])],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def _stream(self, send: Send, step: str) -> None:
        self.statuses.append(200)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
        text = self.hint_text if step != "leak" else f"The secret input is {self.leak_text} and more."
        words = re.findall(r"\S+\s*", text)
        for word in words:
            chunk = {
                "id": "chatcmpl-s",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": self.model,
                "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
            }
            await send(
                {"type": "http.response.body", "body": f"data: {json.dumps(chunk)}\n\n".encode(), "more_body": True}
            )
            await asyncio.sleep(0.005)
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})


@contextmanager
def serve_fake_openai() -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with serve_in_thread(fake, name="fake OpenAI server") as url:
        fake.url = f"{url}/v1"
        yield fake
