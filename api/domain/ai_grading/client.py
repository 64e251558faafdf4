"""The one edge to the model: an OpenAI-compatible chat-completions endpoint through the ``openai`` package.

Every request has a timeout; a 429, a 5xx, a timeout or a refused connection is tried again with exponential
backoff (or the endpoint's ``Retry-After``), at most ``max_retries`` more times; any other error ends at once.
:meth:`AiClient.structured` asks for a JSON object, decodes it into a msgspec Struct and validates it; output
that breaks the schema gets exactly one repair request (the model is told what was wrong), then it fails with
:class:`AiError`, whose ``reason`` is stored for staff. Nothing here retries forever or blocks a web worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

import msgspec
import openai
from openai import AsyncOpenAI

__all__ = ["AiClient", "AiError", "ChatResult", "Message", "Provider", "SchemaError", "Structured", "estimate_tokens"]

logger = logging.getLogger("verdict.ai")
S = TypeVar("S")
R = TypeVar("R")
MAX_BACKOFF_S: Final = 30.0
Message = dict[str, str]


class AiError(Exception):
    """The endpoint could not give a usable answer; ``reason`` says why, for the person who reads the record."""

    def __init__(self, reason: str, *, tries: int = 0, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tries = tries
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class SchemaError(ValueError):
    """A decoded answer that breaks a rule the schema's types cannot say (an item number out of range, ...)."""


class Provider(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how to call the model (the platform's settings, or a course's own, set by admins)."""

    base_url: str
    api_key: str
    model: str
    timeout_s: float = 30.0
    max_retries: int = 3
    retry_base_s: float = 1.0
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return round(
            (prompt_tokens * self.price_input_per_mtok + completion_tokens * self.price_output_per_mtok) / 1e6, 6
        )


@dataclass
class ChatResult:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tries: int = 1
    model: str = ""


@dataclass
class Structured(Generic[S]):
    value: S
    prompt_tokens: int
    completion_tokens: int
    tries: int
    repaired: bool = False
    raw: list[str] = field(default_factory=list)


def estimate_tokens(text: str) -> int:
    """Rough token count (4 characters a token) for an endpoint that reports no usage."""
    return max(1, len(text) // 4)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    return isinstance(exc, openai.APIStatusError) and (exc.status_code == 429 or exc.status_code >= 500)


def _describe(exc: Exception) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "the endpoint did not answer in time"
    if isinstance(exc, openai.APIConnectionError):
        return "the endpoint could not be reached"
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429:
            return "the endpoint answered 429 (rate limited)"
        return f"the endpoint answered {exc.status_code}"
    return f"the endpoint failed: {type(exc).__name__}"


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    if value is None:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    return None


class AiClient:
    def __init__(self, provider: Provider, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.provider = provider
        self.sleep = sleep
        # Retries are ours (counted and recorded), so the package's own are off.
        self.openai = AsyncOpenAI(
            base_url=provider.base_url, api_key=provider.api_key, timeout=provider.timeout_s, max_retries=0
        )

    async def close(self) -> None:
        await self.openai.close()

    async def _with_retries(self, call: Callable[[], Awaitable[R]]) -> tuple[R, int]:
        tries = 0
        while True:
            tries += 1
            try:
                return await call(), tries
            except (openai.APIConnectionError, openai.APIStatusError) as exc:
                if not _retryable(exc) or tries > self.provider.max_retries:
                    raise AiError(
                        f"{_describe(exc)}" + (f" (after {tries} tries)" if tries > 1 else ""), tries=tries
                    ) from exc
                delay = _retry_after(exc)
                if delay is None:
                    delay = self.provider.retry_base_s * 2 ** (tries - 1)
                delay = min(delay, MAX_BACKOFF_S)
                logger.info("AI request failed (%s); try %d again in %.2f s", _describe(exc), tries + 1, delay)
                await self.sleep(delay)

    async def complete(self, messages: Sequence[Message], *, json_mode: bool = False) -> ChatResult:
        extra: dict[str, Any] = {"response_format": {"type": "json_object"}} if json_mode else {}

        async def call() -> Any:
            return await self.openai.chat.completions.create(
                model=self.provider.model,
                messages=list(messages),  # type: ignore[arg-type]  # role/content dicts are the wire format
                temperature=0,
                **extra,
            )

        response, tries = await self._with_retries(call)
        choices = getattr(response, "choices", None) or []
        text = (choices[0].message.content or "") if choices else ""
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0) or estimate_tokens(str(messages))
        completion = int(getattr(usage, "completion_tokens", 0) or 0) or estimate_tokens(text)
        return ChatResult(
            text=text,
            prompt_tokens=prompt,
            completion_tokens=completion,
            tries=tries,
            model=str(getattr(response, "model", "") or self.provider.model),
        )

    async def structured(
        self,
        messages: Sequence[Message],
        schema: type[S],
        *,
        validate: Callable[[S], None] = lambda _value: None,
    ) -> Structured[S]:
        """A JSON answer decoded into ``schema`` and checked by ``validate`` (which raises SchemaError), with one
        repair request when the first answer breaks either."""
        conversation = list(messages)
        prompt = completion = tries = 0
        raw: list[str] = []
        problem = ""
        for attempt in range(2):
            try:
                result = await self.complete(conversation, json_mode=True)
            except AiError as exc:
                exc.tries += tries
                exc.prompt_tokens, exc.completion_tokens = prompt, completion
                raise
            prompt += result.prompt_tokens
            completion += result.completion_tokens
            tries += result.tries
            raw.append(result.text)
            try:
                value = msgspec.json.decode(_strip_fence(result.text).encode(), type=schema)
                validate(value)
            except (msgspec.ValidationError, msgspec.DecodeError, SchemaError) as exc:
                problem = str(exc) or type(exc).__name__
                logger.info("AI answer broke the schema (%s)%s", problem, "" if attempt else "; asking for a repair")
                conversation = [
                    *messages,
                    {"role": "assistant", "content": result.text[:8000]},
                    {
                        "role": "user",
                        "content": f"Your reply does not match the required JSON schema: {problem}. "
                        "Reply again with only the corrected JSON object, nothing else.",
                    },
                ]
                continue
            return Structured(value, prompt, completion, tries, repaired=attempt > 0, raw=raw)
        raise AiError(
            f"the model's answer broke the schema twice ({problem})",
            tries=tries,
            prompt_tokens=prompt,
            completion_tokens=completion,
        )

    async def stream(self, messages: Sequence[Message]) -> AsyncIterator[str]:
        """The answer's text as it comes. Opening the stream is retried like any request; once text has come, a
        failure ends the stream with :class:`AiError`."""

        async def call() -> Any:
            return await self.openai.chat.completions.create(
                model=self.provider.model,
                messages=list(messages),  # type: ignore[arg-type]
                temperature=0.2,
                stream=True,
            )

        stream, _tries = await self._with_retries(call)
        try:
            async for chunk in stream:
                choices = getattr(chunk, "choices", None) or []
                if choices and (text := getattr(choices[0].delta, "content", None)):
                    yield text
        except (openai.APIError, msgspec.DecodeError) as exc:
            raise AiError(_describe(exc) if isinstance(exc, openai.APIStatusError) else "the stream broke off") from exc


def _strip_fence(text: str) -> str:
    """Some models wrap JSON in a Markdown code fence even when asked for an object; take what is inside."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    return stripped.strip()
