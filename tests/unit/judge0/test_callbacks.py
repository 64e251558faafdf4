"""``callback_url``: only allow-listed hosts, and never a private address that was not itself allow-listed."""

from __future__ import annotations

import httpx
import pytest

from api.domain.judge0.callbacks import (
    CallbackRefusedError,
    callback_url_problem,
    deliver_callback,
    resolve_callback_target,
)


@pytest.mark.parametrize(
    ("url", "allowed", "problem"),
    [
        ("https://hooks.example.com/x", ["hooks.example.com"], None),
        ("https://HOOKS.example.com./x", ["hooks.example.com"], None),
        ("https://a.b.example.com/x", ["*.example.com"], None),
        ("https://example.com/x", ["*.example.com"], "host example.com is not in the callback allow-list"),
        ("http://192.168.1.5:9000/x", ["192.168.0.0/16"], None),
        ("http://[::1]:9000/x", ["::1"], None),
        ("http://127.0.0.2/x", ["127.0.0.1"], "host 127.0.0.2 is not in the callback allow-list"),
        ("http://localhost/x", [], "host localhost is not in the callback allow-list"),
        ("gopher://hooks.example.com/", ["hooks.example.com"], "must be an http:// or https:// URL with a host"),
        ("http://hooks.example.com:99999/", ["hooks.example.com"], "is not a valid URL"),
        ("https://" + "a" * 2050, ["*"], "is too long (maximum is 2048 characters)"),
    ],
)
def test_which_urls_may_be_callbacks(url: str, allowed: list[str], problem: str | None) -> None:
    assert callback_url_problem(url, allowed) == problem


async def test_a_listed_loopback_address_is_called_at_that_address() -> None:
    target, host = await resolve_callback_target("http://127.0.0.1:8123/hook?a=1", ["127.0.0.1"])
    assert (target, host) == ("http://127.0.0.1:8123/hook?a=1", "127.0.0.1")


async def test_a_listed_name_that_resolves_to_a_private_address_is_not_called() -> None:
    with pytest.raises(CallbackRefusedError, match="non-public address"):
        await resolve_callback_target("http://localhost:8123/hook", ["localhost"])


async def test_a_listed_name_may_resolve_to_a_private_address_listed_as_such() -> None:
    target, host = await resolve_callback_target("http://localhost:8123/hook", ["localhost", "127.0.0.0/8", "::1"])
    assert host == "localhost"
    assert target in {"http://127.0.0.1:8123/hook", "http://[::1]:8123/hook"}


async def test_delivery_puts_json_with_the_original_host_and_retries_failures() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(500)  # any answer counts as delivered, as in Judge0

    delivered = await deliver_callback(
        "http://127.0.0.1:8123/hook",
        b'{"token": "t"}',
        allowed=["127.0.0.1"],
        tries=3,
        timeout_s=1.0,
        transport=httpx.MockTransport(handler),
    )
    assert delivered is True
    assert len(seen) == 2
    assert seen[-1].method == "PUT"
    assert seen[-1].headers["content-type"] == "application/json"
    assert seen[-1].headers["host"] == "127.0.0.1:8123"
    assert seen[-1].content == b'{"token": "t"}'


async def test_delivery_gives_up_after_the_tries_and_refuses_what_is_not_allowed() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectTimeout("slow", request=request)

    transport = httpx.MockTransport(handler)
    assert not await deliver_callback(
        "http://127.0.0.1:1/x", b"{}", allowed=["127.0.0.1"], tries=3, timeout_s=0.1, transport=transport
    )
    assert calls == 3
    assert not await deliver_callback(
        "http://10.0.0.1/x", b"{}", allowed=["127.0.0.1"], tries=3, timeout_s=0.1, transport=transport
    )
    assert calls == 3
