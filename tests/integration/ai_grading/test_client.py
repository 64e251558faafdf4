"""The client against the stand-in endpoint over real HTTP: retries with backoff on 429 and 5xx (and only those),
timeouts, a JSON answer validated with one repair, and a streamed answer."""

from __future__ import annotations

import time

import pytest

from api.domain.ai_grading.client import AiClient, AiError, Provider
from api.domain.ai_grading.prompts import validator
from api.domain.ai_grading.schemas import GradeOutput
from tests.integration.ai_grading.fake_openai import FakeOpenAI

MESSAGES = [{"role": "user", "content": "The rubric:\n1. A (+50 points)\n2. B (+50 points)\n\nThe answer: x"}]


def _client(fake: FakeOpenAI, **overrides: float) -> tuple[AiClient, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    provider = Provider(
        base_url=fake.url,
        api_key="sk-test",
        model=fake.model,
        timeout_s=overrides.get("timeout_s", 2.0),
        max_retries=int(overrides.get("max_retries", 3)),
        retry_base_s=0.5,
    )
    return AiClient(provider, sleep=sleep), waits


async def test_429_and_5xx_are_tried_again_with_backoff(fake_openai: FakeOpenAI) -> None:
    client, waits = _client(fake_openai)
    fake_openai.script = ["500", "503", "ok"]
    result = await client.structured(MESSAGES, GradeOutput, validate=validator(2, 1))
    assert (result.tries, result.repaired) == (3, False)
    assert waits == [0.5, 1.0]  # base * 2**try
    assert fake_openai.statuses == [500, 503, 200]
    assert [(d.item, d.applies) for d in result.value.items] == [(1, True), (2, False)]
    assert (result.prompt_tokens, result.completion_tokens) == (100, 20)

    waits.clear()
    fake_openai.script = ["429", "ok"]
    assert (await client.complete(MESSAGES)).tries == 2
    assert waits == [0.0]  # the endpoint's Retry-After: 0
    await client.close()


async def test_retries_end_and_other_errors_are_not_retried(fake_openai: FakeOpenAI) -> None:
    client, _waits = _client(fake_openai, max_retries=2)
    fake_openai.default = "500"
    with pytest.raises(AiError, match=r"answered 500 \(after 3 tries\)") as failed:
        await client.complete(MESSAGES)
    assert failed.value.tries == 3
    assert len(fake_openai.requests) == 3
    fake_openai.default = "auth"
    with pytest.raises(AiError, match="answered 401") as refused:
        await client.complete(MESSAGES)
    assert refused.value.tries == 1
    await client.close()


async def test_a_slow_endpoint_times_out(fake_openai: FakeOpenAI) -> None:
    client, _waits = _client(fake_openai, timeout_s=0.3, max_retries=1)
    fake_openai.default, fake_openai.slow_s = "slow", 1.5
    started = time.monotonic()
    with pytest.raises(AiError, match="did not answer in time"):
        await client.complete(MESSAGES)
    assert time.monotonic() - started < 1.5
    await client.close()


async def test_a_broken_answer_gets_one_repair(fake_openai: FakeOpenAI) -> None:
    client, _waits = _client(fake_openai)
    fake_openai.script = ["malformed", "ok"]
    result = await client.structured(MESSAGES, GradeOutput, validate=validator(2, 1))
    assert result.repaired
    repair = fake_openai.requests[-1]["messages"]
    assert repair[-2]["role"] == "assistant"
    assert "does not match the required JSON schema" in repair[-1]["content"]
    assert fake_openai.requests[-1]["response_format"] == {"type": "json_object"}

    fake_openai.script = ["schema", "schema"]
    with pytest.raises(AiError, match="broke the schema twice") as failed:
        await client.structured(MESSAGES, GradeOutput, validate=validator(2, 1))
    assert "item 99 is not a rubric item" in failed.value.reason
    assert failed.value.prompt_tokens == 200  # both tries counted
    await client.close()


async def test_a_streamed_answer_comes_in_pieces(fake_openai: FakeOpenAI) -> None:
    client, _waits = _client(fake_openai)
    pieces = [piece async for piece in client.stream(MESSAGES)]
    assert len(pieces) > 3
    assert "".join(pieces) == fake_openai.hint_text
    assert fake_openai.requests[-1]["stream"] is True
    await client.close()
