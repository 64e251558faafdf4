from __future__ import annotations

import uuid
from datetime import timedelta

import jwt
import pytest

from api.domain.accounts.tokens import (
    API_TOKEN_PREFIX,
    REFRESH_TOKEN_PREFIX,
    InvalidAccessTokenError,
    TokenCodec,
    new_opaque_token,
)
from api.lib.timeutil import utcnow

SECRET = "s" * 40


def test_an_access_token_round_trips_and_does_not_carry_the_secret() -> None:
    codec = TokenCodec(SECRET, access_ttl_s=900)
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    token, claims = codec.issue_access(user_id=user_id, session_id=session_id)
    decoded = codec.decode_access(token)
    assert decoded == claims
    assert (decoded.user_id, decoded.session_id) == (user_id, session_id)
    assert decoded.expires_at - decoded.issued_at == timedelta(seconds=900)
    with pytest.raises(jwt.InvalidSignatureError):  # signed with a derived key, not SECRET_KEY itself
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="verdict:access")


def test_expired_tokens_say_so() -> None:
    codec = TokenCodec(SECRET, access_ttl_s=60)
    token, _ = codec.issue_access(user_id=uuid.uuid4(), session_id=uuid.uuid4(), now=utcnow() - timedelta(minutes=5))
    with pytest.raises(InvalidAccessTokenError) as caught:
        codec.decode_access(token)
    assert caught.value.expired
    assert "expired" in str(caught.value)


def test_tokens_of_another_secret_or_tampered_ones_are_invalid() -> None:
    token, _ = TokenCodec("t" * 40, access_ttl_s=60).issue_access(user_id=uuid.uuid4(), session_id=uuid.uuid4())
    codec = TokenCodec(SECRET, access_ttl_s=60)
    for bad in (token, token[:-3] + "abc", "x.y.z", ""):
        with pytest.raises(InvalidAccessTokenError) as caught:
            codec.decode_access(bad)
        assert not caught.value.expired


def test_csrf_tokens_are_per_session_and_per_secret() -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    codec = TokenCodec(SECRET, access_ttl_s=60)
    assert codec.csrf_token(one) == codec.csrf_token(one)
    assert codec.csrf_token(one) != codec.csrf_token(two)
    assert codec.csrf_token(one) != TokenCodec("u" * 40, access_ttl_s=60).csrf_token(one)


def test_opaque_tokens_are_prefixed_and_random() -> None:
    tokens = {new_opaque_token(API_TOKEN_PREFIX) for _ in range(100)}
    assert len(tokens) == 100
    assert all(t.startswith("vdt_") and len(t) == 47 for t in tokens)
    assert new_opaque_token(REFRESH_TOKEN_PREFIX).startswith("vrt_")
