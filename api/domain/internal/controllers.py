"""``GET /internal/testsets/{digest}``: the packed test set a judge worker downloads (read-only)."""

from __future__ import annotations

import re
from typing import Final

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.internal.guards import requires_judge_token
from judge_worker.contracts import TESTSET_PATH_PREFIX

__all__ = ["InternalController"]

_DIGEST: Final = re.compile(r"[0-9a-f]{64}")


class InternalController(Controller):
    path = TESTSET_PATH_PREFIX.rstrip("/")
    guards = [requires_judge_token]
    include_in_schema = False

    @get("/{digest:str}", operation_id="GetTestSetData", media_type="application/octet-stream")
    async def testset(self, db_session: NamedDependency[AsyncSession], digest: str) -> Response[bytes]:
        """The packed test set; its SHA-256 is the digest, so it never changes and may be cached for ever."""
        if _DIGEST.fullmatch(digest) is None:
            raise NotFoundException(f"{digest[:80]!r} is not a test-set digest (64 lowercase hex digits)")
        data = await db_session.scalar(select(m.TestSet.data).where(m.TestSet.digest == digest))
        if data is None:
            raise NotFoundException(f"no test set {digest}")
        return Response(
            content=bytes(data),
            media_type="application/octet-stream",
            headers={"Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{digest}"'},
        )
