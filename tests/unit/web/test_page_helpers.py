"""The pages' pure helpers: program output as inert text, safe redirect targets, the Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from api.lib.csp import (
    CONTENT_SECURITY_POLICY,
    FORM_ACTION_HEADER,
    content_security_policy,
    security_headers_middleware,
)
from api.lib.csp import _script_hashes as script_hashes
from api.pages._common import safe_next
from api.pages.filters import inert


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text\n", "plain text\n"),
        ("<b>bold</b> & 'q'", "&lt;b&gt;bold&lt;/b&gt; &amp; &#39;q&#39;"),
        ("tab\tkept", "tab\tkept"),
        ("\x1b[31mred", '<span class="ctl" title="control character U+001B">\u241b</span>[31mred'),
        ("cr\r\n", 'cr<span class="ctl" title="control character U+000D">\u240d</span>\n'),
        ("\x00\x7f", '<span class="ctl" title="control character U+0000">\u2400</span>'
         '<span class="ctl" title="control character U+007F">\u2421</span>'),
        ("abc\u202edef", 'abc<span class="ctl" title="invisible character U+202E">U+202E</span>def'),
        ("zero\u200bwidth", 'zero<span class="ctl" title="invisible character U+200B">U+200B</span>width'),
        (b"bytes \xff", "bytes \ufffd"),
        (None, ""),
    ],
)  # fmt: skip
def test_inert_escapes_and_shows_special_characters(raw: str | bytes | None, shown: str) -> None:
    assert str(inert(raw)) == shown


def test_inert_cuts_at_the_limit_and_never_splits_an_escape() -> None:
    assert str(inert("x" * 50, limit=10)) == "x" * 10
    assert str(inert("<<<<", limit=2)) == "&lt;&lt;"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/problems"),
        ("", "/problems"),
        ("/problems/aplusb?x=1", "/problems/aplusb?x=1"),
        ("/submissions", "/submissions"),
        ("https://evil.example/", "/problems"),
        ("//evil.example/", "/problems"),
        ("/\\evil.example", "/problems"),
        ("javascript:alert(1)", "/problems"),
        ("/login?next=/login", "/problems"),
        ("/api/auth/logout", "/problems"),
    ],
)
def test_safe_next_stays_on_the_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_the_policy_allows_scripts_from_the_site_only() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "blob:" in directives["worker-src"]  # Monaco's workers
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY


def test_inline_scripts_are_allowed_by_their_hash_only_where_asked() -> None:
    body = b"<script src='/a.js'></script><script>start()</script><p>x</p><SCRIPT type='text/javascript'>b()</SCRIPT>"
    digest = base64.b64encode(hashlib.sha256(b"start()").digest()).decode()
    hashes = script_hashes(body)
    assert hashes[0] == f"'sha256-{digest}'"
    assert len(hashes) == 2  # the script with a src is not inline
    policy = content_security_policy(hashes)
    assert f"script-src 'self' 'sha256-{digest}'" in policy


async def _answer_headers(extra: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers the middleware lets out for an HTML answer carrying ``extra``."""
    sent: list[Any] = []

    async def app(_scope: Any, _receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html"), *extra]}
        await send(start)
        await send({"type": "http.response.body", "body": b"<p>hi</p>"})

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    scope: Any = {"type": "http", "path": "/lti/deep-link/x", "headers": []}
    await security_headers_middleware(app)(scope, receive, send)
    return {k.decode(): v.decode() for k, v in sent[0]["headers"]}


async def test_a_page_may_name_one_origin_its_form_posts_to() -> None:
    headers = await _answer_headers([(FORM_ACTION_HEADER.encode(), b"https://lms.example.org")])
    assert "form-action 'self' https://lms.example.org" in headers["content-security-policy"]
    assert FORM_ACTION_HEADER not in headers  # the marker never leaves the server
    plain = await _answer_headers([])
    assert plain["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_a_form_origin_that_is_not_an_origin_changes_nothing() -> None:
    bad_values = (
        b"https://lms.example.org/path",
        b"javascript:alert(1)",
        b"* 'unsafe-inline'",
        b"https://a; script-src *",
    )
    for bad in bad_values:
        headers = await _answer_headers([(FORM_ACTION_HEADER.encode(), bad)])
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert FORM_ACTION_HEADER not in headers
