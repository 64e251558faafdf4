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
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import models as m
from api.domain.assessments.services import AssessmentService
from api.domain.assessments.taking import AttemptService
from api.domain.courses.access import CourseAccess
from api.domain.files import names
from api.domain.files.schemas import CourseFiles, FileTotals, FileUploadQuery, FileView
from api.domain.files.storage import Storage
from api.domain.problems.archive import ArchiveError, ArchiveLimits, extract_archive
from api.domain.problems.packages import PayloadTooLargeError
from api.lib.exceptions import ApplicationClientError, ConflictError, PermissionDeniedError
from api.settings import Settings

__all__ = ["FILE_ANSWER", "FileService", "PayloadTooLargeError", "UploadTarget"]

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


class FileService:
    def __init__(self, session: AsyncSession, storage: Storage, settings: Settings) -> None:
        self.session = session
        self.storage = storage
        self.settings = settings

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
        limits = [
            (target.set_cap - await self._used(*in_set), f"the {target.set_cap}-byte limit for {target.set_label}"),
            (
                s.files_user_quota_bytes
                - await self._used(m.StoredFile.course_id == course, m.StoredFile.owner_id == access.user.id),
                f"your quota of {s.files_user_quota_bytes} bytes in this course",
            ),
            (
                s.files_course_quota_bytes - await self._used(m.StoredFile.course_id == course),
                f"the course's quota of {s.files_course_quota_bytes} bytes",
            ),
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

    # --- reading ------------------------------------------------------------------------------------------------
    async def _problem_in_course(self, course_id: UUID, problem_id: UUID) -> bool:
        found = await self.session.scalar(
            select(m.CourseProblem.id)
            .join(m.Problem, m.Problem.id == m.CourseProblem.problem_id)
            .where(
                m.CourseProblem.course_id == course_id,
                m.CourseProblem.problem_id == problem_id,
                m.Problem.visibility == m.ProblemVisibility.PUBLISHED,
            )
        )
        return found is not None

    async def for_download(self, access: CourseAccess, file_id: UUID) -> m.StoredFile:
        """The file if the caller may have it: staff any of the course's; a student their own files and the
        attachments of what they can see (a published assessment of their audience, a published problem of the
        course, course material). 404 otherwise: a file one may not have is not revealed."""
        row = await self.session.get(m.StoredFile, file_id)
        if row is None or row.course_id != access.course.id:
            raise NotFoundError("no such file in this course")
        if access.is_staff or row.owner_id == access.user.id:
            return row
        if row.purpose is m.FilePurpose.ATTACHMENT:
            if row.assessment_id is not None:
                await AssessmentService(self.session).visible(access, row.assessment_id)
                return row
            if row.problem_id is None or await self._problem_in_course(access.course.id, row.problem_id):
                return row
        raise NotFoundError("no such file in this course")

    async def delete(self, access: CourseAccess, file_id: UUID) -> None:
        row = await self.for_download(access, file_id)
        if not access.is_staff and row.owner_id != access.user.id:
            raise PermissionDeniedError("only the file's owner or the course's staff may delete it")
        if not access.is_staff and row.assessment_id is not None and row.purpose is not m.FilePurpose.ATTACHMENT:
            attempt = await AttemptService(self.session).attempt_of(access.user.id, row.assessment_id)
            if attempt is not None and attempt.submitted_at is not None:
                raise ConflictError("the attempt is submitted: its files can no longer be changed")
        await self.session.delete(row)
        await self.session.flush()
        await self.storage.delete(row.storage_key)

    async def listed(
        self,
        access: CourseAccess,
        *,
        purpose: m.FilePurpose | None = None,
        problem_id: UUID | None = None,
        assessment_id: UUID | None = None,
        question_id: UUID | None = None,
        mine: bool = False,
    ) -> list[m.StoredFile]:
        """Files of the course the caller may have, newest first, filtered."""
        statement = select(m.StoredFile).where(m.StoredFile.course_id == access.course.id)
        if purpose is not None:
            statement = statement.where(m.StoredFile.purpose == purpose)
        if problem_id is not None:
            statement = statement.where(m.StoredFile.problem_id == problem_id)
        if assessment_id is not None:
            statement = statement.where(m.StoredFile.assessment_id == assessment_id)
        if question_id is not None:
            statement = statement.where(m.StoredFile.question_id == question_id)
        if mine or not access.is_staff:
            if not mine and purpose is m.FilePurpose.ATTACHMENT:
                pass  # attachments: filtered one by one below
            else:
                statement = statement.where(m.StoredFile.owner_id == access.user.id)
        rows = list((await self.session.scalars(statement.order_by(m.StoredFile.created_at.desc()))).all())
        if access.is_staff or mine:
            return rows
        allowed: list[m.StoredFile] = []
        for row in rows:
            try:
                allowed.append(await self.for_download(access, row.id))
            except NotFoundError:
                continue
        return allowed

    async def course_files(self, access: CourseAccess) -> CourseFiles:
        """The staff's view: every file of the course with its size, and the totals."""
        rows = await self.listed(access)
        owners = {
            u.id: u.display_name
            for u in await self.session.scalars(
                select(m.User).where(m.User.id.in_({r.owner_id for r in rows if r.owner_id is not None}))
            )
        }
        by_purpose = {p: sum(r.size for r in rows if r.purpose is p) for p in m.FilePurpose}
        return CourseFiles(
            files=[to_view(r, owners.get(r.owner_id) if r.owner_id else None) for r in rows],
            totals=FileTotals(
                count=len(rows),
                bytes=sum(r.size for r in rows),
                attachment_bytes=by_purpose[m.FilePurpose.ATTACHMENT],
                answer_bytes=by_purpose[m.FilePurpose.ANSWER],
                submission_source_bytes=by_purpose[m.FilePurpose.SUBMISSION_SOURCE],
                quota_bytes=self.settings.files_course_quota_bytes,
            ),
        )

    async def read(self, row: m.StoredFile) -> bytes:
        return b"".join([chunk async for chunk in self.storage.stream(row.storage_key)])


def to_view(row: m.StoredFile, owner_name: str | None = None) -> FileView:
    return FileView(
        id=row.id,
        course_id=row.course_id,
        name=row.name,
        size=row.size,
        sha256=row.sha256,
        content_type=row.content_type,
        purpose=row.purpose.value,
        owner_id=row.owner_id,
        owner_name=owner_name,
        problem_id=row.problem_id,
        assessment_id=row.assessment_id,
        question_id=row.question_id,
        created_at=row.created_at,
        download_url=f"/api/courses/{row.course_id}/files/{row.id}",
    )
