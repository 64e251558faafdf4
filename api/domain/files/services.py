"""Files of a course: streaming uploads under caps and quotas, zips unpacked only after the archive checks, who may
download what, and the staff's list with totals.

An upload is streamed to a temporary file under the data directory while it is counted and hashed; the first byte
over the cap that applies (per file, per answer, the person's quota in the course, the course's quota) ends it with
413 and the temporary file is removed. Only a complete, accepted file is handed to the storage back end, and a row
is written only once its contents are stored; should anything fail after that, what was stored is deleted again.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final
from uuid import UUID, uuid4

from advanced_alchemy.exceptions import NotFoundError
from sqlalchemy import func, select

from api.db import models as m
from api.domain.assessments.services import AssessmentService
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import CourseAccess
from api.domain.files import names
from api.domain.files.reading import FileReader, to_view
from api.domain.files.schemas import FileUploadQuery
from api.domain.problems.archive import ArchiveError, ArchiveLimits, extract_archive
from api.domain.problems.packages import PayloadTooLargeError
from api.lib.exceptions import ApplicationClientError, ConflictError, PermissionDeniedError

__all__ = ["FILE_ANSWER", "FileService", "PayloadTooLargeError", "UploadTarget", "to_view"]

FILE_ANSWER: Final = "file_answer"  # the assessment question type answered with uploaded files
_CHUNK_FLUSH: Final = 1024 * 1024


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload goes and the rules that apply there."""

    purpose: m.FilePurpose
    problem_id: UUID | None
    assessment_id: UUID | None
    question_id: UUID | None
    extensions: frozenset[str] | None  # None: any
    file_cap: int
    set_cap: int  # all files of this answer / program / attachment target together
    set_label: str


@dataclass(frozen=True)
class _Spooled:
    name: str
    path: Path
    size: int
    sha256: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_FLUSH):
            digest.update(chunk)
    return digest.hexdigest()


def _invalid(key: str, message: str) -> ApplicationClientError:
    error = ApplicationClientError(f"{key}: {message}", errors=[{"key": key, "message": message}])
    error.status_code = 422
    return error


def _flatten(files: tuple[str, ...]) -> dict[str, str]:
    """{plain name: path in the zip}; one folder holding everything is looked through, deeper folders refused."""
    tops = {PurePosixPath(name).parts[0] for name in files}
    strip = len(tops) == 1 and all("/" in name for name in files)
    out: dict[str, str] = {}
    for path in files:
        plain = path.split("/", 1)[1] if strip else path
        if "/" in plain:
            raise ApplicationClientError(f"put the files at the top of the zip, not in folders ({path})")
        out[plain] = path
    return out


class FileService(FileReader):
    """Uploads (below) and, from :class:`FileReader`, who may have which file."""

    # --- where an upload goes ---------------------------------------------------------------------------------
    async def _open_question(
        self, access: CourseAccess, assessment_id: UUID | None, question_id: UUID | None, *, types: tuple[str, ...]
    ) -> m.AssessmentQuestion:
        if assessment_id is None or question_id is None:
            raise _invalid("assessmentId", "name the assessment and the question (assessmentId and questionId)")
        attempts = AttemptService(self.session)
        _assessment, attempt = await attempts.mine(access, assessment_id)
        if attempt.submitted_at is not None:
            raise ConflictError(
                f"this attempt was submitted at {attempt.submitted_at.isoformat()}: files are no longer accepted"
            )
        question = await self.session.get(m.AssessmentQuestion, question_id)
        if question is None or question.assessment_id != assessment_id:
            raise NotFoundError("no such question in this assessment")
        if question.type not in types:
            raise _invalid("questionId", f"this question does not take uploaded files ({question.type})")
        return question

    @staticmethod
    def _question_extensions(
        question: m.AssessmentQuestion | None, default: frozenset[str] | None
    ) -> frozenset[str] | None:
        raw = (question.config or {}).get("allowedExtensions") if question is not None else None
        if isinstance(raw, list) and raw:
            return names.normalise_extensions(str(v) for v in raw)
        return default

    async def target(self, access: CourseAccess, query: FileUploadQuery) -> UploadTarget:
        """The upload's place and rules; refusals (role, a closed attempt, a foreign problem) come before reading."""
        s = self.settings
        purpose = m.FilePurpose(query.purpose)
        if purpose is m.FilePurpose.ATTACHMENT:
            if not access.is_staff:
                raise PermissionDeniedError("only the course's staff may attach files")
            if query.problem_id is not None:
                found = await self.session.scalar(
                    select(m.CourseProblem.id).where(
                        m.CourseProblem.course_id == access.course.id, m.CourseProblem.problem_id == query.problem_id
                    )
                )
                if found is None:
                    raise NotFoundError("no such problem in this course")
            if query.assessment_id is not None:
                await AssessmentService(self.session).visible(access, query.assessment_id)
            return UploadTarget(
                purpose=purpose,
                problem_id=query.problem_id,
                assessment_id=query.assessment_id,
                question_id=None,
                extensions=None,
                file_cap=s.files_max_file_bytes,
                set_cap=s.files_course_quota_bytes,
                set_label="the course's attachments",
            )
        if purpose is m.FilePurpose.ANSWER:
            answered = await self._open_question(access, query.assessment_id, query.question_id, types=(FILE_ANSWER,))
            max_file = (answered.config or {}).get("maxFileBytes")
            return UploadTarget(
                purpose=purpose,
                problem_id=None,
                assessment_id=query.assessment_id,
                question_id=query.question_id,
                extensions=self._question_extensions(answered, None),
                file_cap=min(s.files_max_file_bytes, int(max_file)) if max_file else s.files_max_file_bytes,
                set_cap=s.files_max_answer_bytes,
                set_label="all files of one answer",
            )
        question: m.AssessmentQuestion | None = None
        if query.assessment_id is not None or query.question_id is not None:
            question = await self._open_question(access, query.assessment_id, query.question_id, types=("code",))
        return UploadTarget(
            purpose=purpose,
            problem_id=query.problem_id,
            assessment_id=query.assessment_id,
            question_id=query.question_id,
            extensions=self._question_extensions(question, names.SOURCE_EXTENSIONS),
            file_cap=min(s.files_max_file_bytes, s.submission_max_source_bytes),
            set_cap=s.files_max_answer_bytes,
            set_label="all files of one program",
        )

    # --- caps and quotas --------------------------------------------------------------------------------------
    async def _used(self, *conditions: object) -> int:
        total = await self.session.scalar(select(func.coalesce(func.sum(m.StoredFile.size), 0)).where(*conditions))  # type: ignore[arg-type]
        return int(total or 0)

    async def _room(self, access: CourseAccess, target: UploadTarget) -> tuple[int, Callable[[int], str]]:
        """The most bytes this upload may add, and the message for going over it."""
        s = self.settings
        course = access.course.id
        in_set = [m.StoredFile.course_id == course, m.StoredFile.purpose == target.purpose]
        if target.purpose is not m.FilePurpose.ATTACHMENT:
            in_set += [
                m.StoredFile.owner_id == access.user.id,
                m.StoredFile.assessment_id == target.assessment_id
                if target.assessment_id
                else m.StoredFile.assessment_id.is_(None),
                m.StoredFile.question_id == target.question_id
                if target.question_id
                else m.StoredFile.question_id.is_(None),
            ]
        limits = [  # on a tie the first is named: the course's quota, then the person's, then the set's cap
            (
                s.files_course_quota_bytes - await self._used(m.StoredFile.course_id == course),
                f"the course's quota of {s.files_course_quota_bytes} bytes",
            ),
            (
                s.files_user_quota_bytes
                - await self._used(m.StoredFile.course_id == course, m.StoredFile.owner_id == access.user.id),
                f"your quota of {s.files_user_quota_bytes} bytes in this course",
            ),
            (target.set_cap - await self._used(*in_set), f"the {target.set_cap}-byte limit for {target.set_label}"),
        ]
        room, label = min(limits, key=lambda item: item[0])
        room = max(room, 0)

        def message(size: int) -> str:
            return f"the upload ({size} bytes or more) would go over {label}: {room} bytes are left"

        return room, message

    async def _spool(self, body: AsyncIterator[bytes], dest: Path, cap: int, too_large: Callable[[int], str]) -> int:
        received = 0
        with dest.open("wb") as out:
            async for chunk in body:
                received += len(chunk)
                if received > cap:
                    raise PayloadTooLargeError(too_large(received))
                out.write(chunk)
        return received

    # --- uploading ----------------------------------------------------------------------------------------------
    async def upload(
        self, access: CourseAccess, query: FileUploadQuery, body: AsyncIterator[bytes], content_length: int | None
    ) -> list[m.StoredFile]:
        name = names.check_name(query.name)
        target = await self.target(access, query)
        if query.unzip:
            if names.extension_of(name) != ".zip":
                raise _invalid("unzip", "only a .zip can be unpacked")
        else:
            names.check_extension(name, target.extensions)
        room, too_much = await self._room(access, target)
        file_cap = target.file_cap if not query.unzip else self.settings.package_max_bytes
        cap = min(room, file_cap)

        def too_large(size: int) -> str:
            if cap == file_cap and file_cap < room:
                return f"{name} is over the limit of {file_cap} bytes per file"
            return too_much(size)

        if content_length is not None and content_length > cap:
            raise PayloadTooLargeError(too_large(content_length))
        work_root = self.settings.data_dir / "tmp"
        work_root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="file-", dir=work_root))
        try:
            spooled = work / "upload"
            size = await self._spool(body, spooled, cap, too_large)
            if size == 0:
                raise ApplicationClientError(f"{name} is empty: choose a file with something in it")
            if query.unzip:
                files = await asyncio.to_thread(self._unpack, spooled, work, target, room, too_much)
            else:
                files = [_Spooled(name=name, path=spooled, size=size, sha256=await asyncio.to_thread(_sha256, spooled))]
            return await self._store(access, target, files)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _unpack(
        self, archive: Path, work: Path, target: UploadTarget, room: int, too_much: Callable[[int], str]
    ) -> list[_Spooled]:
        limits = ArchiveLimits(
            max_members=self.settings.files_max_zip_members,
            max_file_bytes=target.file_cap,
            max_total_bytes=max(room, 1),
            max_ratio=float(self.settings.package_max_ratio),
        )
        try:
            extracted = extract_archive(archive, work / "unpacked", limits)
        except ArchiveError as exc:
            if "bytes uncompressed" in exc.reason and exc.member is None:
                raise PayloadTooLargeError(too_much(room + 1)) from None
            raise ApplicationClientError(f"the zip cannot be used: {exc}") from None
        if not extracted.files:
            raise ApplicationClientError("the zip holds no files")
        out: list[_Spooled] = []
        for plain, path in _flatten(extracted.files).items():
            names.check_name(plain)
            names.check_extension(plain, target.extensions)
            member = extracted.root / path
            out.append(_Spooled(name=plain, path=member, size=member.stat().st_size, sha256=_sha256(member)))
        return out

    async def _store(self, access: CourseAccess, target: UploadTarget, files: list[_Spooled]) -> list[m.StoredFile]:
        rows: list[m.StoredFile] = []
        stored: list[str] = []
        try:
            for item in files:
                file_id = uuid4()
                key = f"{access.course.id.hex}/{file_id.hex}"
                content_type = names.content_type_of(item.name)
                await self.storage.put(key, item.path, content_type=content_type)
                stored.append(key)
                rows.append(
                    m.StoredFile(
                        id=file_id,
                        course_id=access.course.id,
                        owner_id=access.user.id,
                        purpose=target.purpose,
                        name=item.name,
                        size=item.size,
                        sha256=item.sha256,
                        content_type=content_type,
                        storage_key=key,
                        problem_id=target.problem_id,
                        assessment_id=target.assessment_id,
                        question_id=target.question_id,
                    )
                )
            self.session.add_all(rows)
            await self.session.flush()
        except BaseException:
            for key in stored:
                await self.storage.delete(key)
            raise
        return rows
