"""The tool's RSA signing keys: one active, retired ones kept in the JWKS for a grace period after rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pylti1p3.registration import Registration
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.lib.timeutil import utcnow

__all__ = ["RETIRED_KEY_GRACE", "active_key", "jwks", "public_jwk", "public_pem", "rotate_key"]

RETIRED_KEY_GRACE: Final = timedelta(days=7)


def _new_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _new_key() -> m.LtiToolKey:
    key = m.LtiToolKey(kid="", private_pem=_new_private_pem(), active=True)
    # pylti1p3 names a key by its RFC 7638 thumbprint (what it puts in the JWT header): ours is the same
    key.kid = str(Registration.get_jwk(public_pem(key))["kid"])
    return key


def public_pem(key: m.LtiToolKey) -> str:
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_jwk(key: m.LtiToolKey) -> dict[str, Any]:
    return dict(Registration.get_jwk(public_pem(key)))


async def active_key(session: AsyncSession) -> m.LtiToolKey:
    """The key the tool signs with now; the first call creates it."""
    key = await session.scalar(select(m.LtiToolKey).where(m.LtiToolKey.active.is_(True)).limit(1))
    if key is None:
        key = _new_key()
        session.add(key)
        await session.flush()
    return key


async def rotate_key(session: AsyncSession) -> m.LtiToolKey:
    """Retire the active key (it stays in the JWKS for ``RETIRED_KEY_GRACE``) and make a new one active."""
    now = utcnow()
    for old in await session.scalars(select(m.LtiToolKey).where(m.LtiToolKey.active.is_(True))):
        old.active = False
        old.retired_at = now
    key = _new_key()
    session.add(key)
    await session.flush()
    return key


async def jwks(session: AsyncSession) -> dict[str, list[dict[str, Any]]]:
    """The active key and the keys retired within the grace period."""
    await active_key(session)
    cutoff = utcnow() - RETIRED_KEY_GRACE
    rows = await session.scalars(
        select(m.LtiToolKey)
        .where(m.LtiToolKey.active.is_(True) | (m.LtiToolKey.retired_at >= cutoff))
        .order_by(m.LtiToolKey.created_at.desc())
    )
    return {"keys": [public_jwk(key) for key in rows]}
