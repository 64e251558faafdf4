"""Helpers of the files tests: upload as a caller, download, build an assessment, and check what was stored."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from sqlalchemy import func, select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.domain.files.controllers import provide_file_storage
from api.domain.files.storage import LocalStorage, S3Storage
from api.settings import Settings
from tests.integration.courses.conftest import Caller, Cast, Client


async def upload(
    client: Client,
    caller: Caller,
    name: str,
    data: bytes | Any,
    *,
    purpose: str,
    **params: str,
) -> Any:
    """POST the file as the request body to the course of ``caller`` (see :func:`remember_course`)."""
    course = _COURSE_OF[caller.email or ""]
    query = {"name": name, "purpose": purpose, **{k: str(v) for k, v in params.items()}}
    return await client.post(
        f"/api/courses/{course}/files",
        params=query,
        content=data,
        headers={**caller.headers, "Content-Type": "application/octet-stream"},
    )


_COURSE_OF: dict[str, uuid.UUID] = {}


def remember_course(cast: Cast) -> None:
    for caller in cast.all:
        if caller.email:
            _COURSE_OF[caller.email] = cast.course_id


async def download(client: Client, caller: Caller, course_id: uuid.UUID, file_id: str) -> Any:
    """GET the file, following a redirect to object storage (a signed URL) outside the app."""
    resp = await client.get(f"/api/courses/{course_id}/files/{file_id}", headers=caller.headers, follow_redirects=False)
    if resp.status_code == 302:
        import httpx

        async with httpx.AsyncClient() as direct:
            return await direct.get(resp.headers["location"])
    return resp


async def assessment_with(
    client: Client, cast: Cast, question: dict[str, Any], *, kind: str = "quiz", publish: bool = True
) -> tuple[str, str]:
    staff = cast.instructor.headers
    base = f"/api/courses/{cast.course_id}/assessments"
    created = await client.post(
        base, json={"title": "With files", "kind": kind, "scoreVisibility": "immediate"}, headers=staff
    )
    assert created.status_code == 201, created.text
    aid = created.json()["assessment"]["id"]
    added = await client.post(f"{base}/{aid}/questions", json=question, headers=staff)
    assert added.status_code == 201, added.text
    if publish:
        assert (await client.post(f"{base}/{aid}/publish", json={"published": True}, headers=staff)).status_code == 200
    return aid, added.json()["questions"][-1]["id"]


async def stored_nothing(app: Litestar, settings: Settings, *, allow: int = 0) -> bool:
    """True when exactly ``allow`` files are recorded and stored, and no temporary upload is left behind."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            rows = int(await session.scalar(select(func.count()).select_from(m.StoredFile)) or 0)
    finally:
        await engine.dispose()
    storage = provide_file_storage(app.state, settings)
    if isinstance(storage, LocalStorage):
        stored = [p for p in storage.root.rglob("*") if p.is_file()] if storage.root.exists() else []
        count = len(stored)
    else:
        assert isinstance(storage, S3Storage)
        listing = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=storage.prefix)
        count = int(listing.get("KeyCount", 0))
    tmp = settings.data_dir / "tmp"
    leftovers = list(tmp.rglob("*")) if tmp.exists() else []
    return rows == allow and count == allow and leftovers == []
