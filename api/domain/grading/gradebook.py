"""The gradebook of a course: students by assessments (one assessment expandable to its questions), totals,
filters by group and level; CSV export (cells safe from formula injection) and CSV import of manual scores for
one assessment: a preview, then a commit of all rows or none."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from uuid import UUID

from sqlalchemy import select

from api.db import models as m
from api.domain.assessments.rules import InvalidInputError, in_audience
from api.domain.courses.access import CourseAccess
from api.domain.courses.csvio import MAX_ROSTER_BYTES, MAX_ROSTER_ROWS, decode_csv, sniff_delimiter, write_csv
from api.domain.grading import schemas
from api.domain.grading.answers import AnswerService
from api.domain.grading.common import Answer
from api.domain.grading.scores import grades_released, percent

__all__ = ["GradebookService", "ImportFormatError"]

_QUESTION_COLUMN: Final = re.compile(r"(?:^|\s)q(\d{1,3})$", re.IGNORECASE)


class ImportFormatError(InvalidInputError):
    """A file that cannot be read as a score sheet at all (422, with what to fix)."""


@dataclass(frozen=True)
class _Student:
    membership: m.CourseMembership
    user: m.User


class GradebookService(AnswerService):
    async def _students(self, access: CourseAccess, group_id: UUID | None, level_id: UUID | None) -> list[_Student]:
        statement = (
            select(m.CourseMembership, m.User)
            .join(m.User, m.User.id == m.CourseMembership.user_id)
            .where(m.CourseMembership.course_id == access.course.id, m.CourseMembership.role == m.CourseRole.STUDENT)
            .order_by(m.User.display_name, m.User.email)
        )
        if group_id is not None:
            statement = statement.where(m.CourseMembership.group_id == group_id)
        if level_id is not None:
            statement = statement.where(m.CourseMembership.level_id == level_id)
        return [_Student(ms, u) for ms, u in (await self.session.execute(statement)).tuples()]

    async def _labels(self, model: type[m.CourseGroup] | type[m.CourseLevel], course_id: UUID) -> dict[UUID, str]:
        rows = await self.session.execute(select(model.id, model.name).where(model.course_id == course_id))
        return dict(list(rows.tuples()))

    async def gradebook(
        self,
        access: CourseAccess,
        *,
        group_id: UUID | None = None,
        level_id: UUID | None = None,
        expand: UUID | None = None,
    ) -> schemas.Gradebook:
        assessments = list(
            (
                await self.session.scalars(
                    select(m.Assessment)
                    .where(m.Assessment.course_id == access.course.id)
                    .order_by(m.Assessment.opens_at.is_(None), m.Assessment.opens_at, m.Assessment.created_at)
                )
            ).all()
        )
        questions = {a.id: await self.attempts.questions(a.id) for a in assessments}
        groups = await self._labels(m.CourseGroup, access.course.id)
        levels = await self._labels(m.CourseLevel, access.course.id)
        students = await self._students(access, group_id, level_id)
        attempts = (
            {
                (t.assessment_id, t.user_id): t
                for t in await self.session.scalars(
                    select(m.AssessmentAttempt).where(
                        m.AssessmentAttempt.assessment_id.in_([a.id for a in assessments])
                    )
                )
            }
            if assessments
            else {}
        )
        head = [
            schemas.GradebookAssessment(
                id=a.id,
                title=a.title,
                kind=a.kind,
                released=await grades_released(self.session, a.id),
                questions=[q.id for q in questions[a.id]] if a.id == expand else [],
            )
            for a in assessments
        ]
        rows = []
        for s in students:
            scores: dict[str, float | None] = {}
            per_question: dict[str, float | None] = {}
            for a in assessments:
                if not in_audience(a, s.membership):
                    continue
                attempt = attempts.get((a.id, s.user.id))
                if attempt is None:
                    scores[str(a.id)] = None
                    continue
                scores[str(a.id)] = (await self.attempts.score_of(a, attempt, questions[a.id]))[0]
                if a.id == expand:
                    fractions = await self.attempts.question_fractions(attempt, questions[a.id])
                    per_question.update({str(q): percent(f) for q, f in fractions.items()})
            started = [v for v in scores.values() if v is not None]
            rows.append(
                schemas.GradebookRow(
                    user_id=s.user.id,
                    email=s.user.email,
                    display_name=s.user.display_name,
                    group=groups.get(s.membership.group_id) if s.membership.group_id else None,
                    level=levels.get(s.membership.level_id) if s.membership.level_id else None,
                    scores=scores,
                    questions=per_question,
                    total=round(sum(started) / len(started), 2) if started else None,
                )
            )
        return schemas.Gradebook(assessments=head, rows=rows)

    async def gradebook_csv(
        self, access: CourseAccess, *, group_id: UUID | None, level_id: UUID | None, expand: UUID | None
    ) -> str:
        book = await self.gradebook(access, group_id=group_id, level_id=level_id, expand=expand)
        header: list[str] = ["email", "name", "group", "level"]
        for a in book.assessments:
            header.append(a.title)
            header.extend(f"{a.title} Q{n}" for n in range(1, len(a.questions) + 1))
        header.append("total")
        lines = []
        for r in book.rows:
            cells: list[object] = [r.email, r.display_name, r.group or "", r.level or ""]
            for a in book.assessments:
                cells.append(_cell(r.scores.get(str(a.id))))
                cells.extend(_cell(r.questions.get(str(q))) for q in a.questions)
            cells.append(_cell(r.total))
            lines.append(cells)
        return write_csv(header, lines)

    # --- import ---------------------------------------------------------------------------------------------
    async def import_scores(
        self, access: CourseAccess, assessment_id: UUID, data: bytes, *, commit: bool
    ) -> schemas.ImportPreview:
        """Rows of ``email`` and ``Q1``, ``Q2``, ... (percent of the question; an empty cell leaves the score) and
        an optional ``reason``. Preview: what each row would change and its problems. Commit: every change, as
        overrides with the reason, or nothing when any row has a problem (422)."""
        assessment = await self.assessment(access, assessment_id)
        questions = await self.attempts.questions(assessment.id)
        reader = _reader(data)
        header = next(reader, None)
        if header is None:
            raise ImportFormatError("the file is empty", errors=[{"key": "file", "message": "empty"}])
        names = [" ".join(h.strip().lower().split()) for h in header]
        if "email" not in names:
            raise ImportFormatError(
                "the first row must name the columns: email, then Q1, Q2, ... and optionally reason",
                errors=[{"key": "file", "message": "no email column"}],
            )
        email_at = names.index("email")
        reason_at = names.index("reason") if "reason" in names else None
        columns: dict[int, m.AssessmentQuestion] = {}
        for index, name in enumerate(names):
            found = _QUESTION_COLUMN.search(name)
            if found is None:
                continue
            number = int(found.group(1))
            if not 1 <= number <= len(questions):
                raise ImportFormatError(
                    f"column {header[index]!r}: this assessment has questions Q1..Q{len(questions)}",
                    errors=[{"key": "file", "message": "unknown question column"}],
                )
            columns[index] = questions[number - 1]
        if not columns:
            raise ImportFormatError(
                "no question columns: name them Q1, Q2, ...", errors=[{"key": "file", "message": "no question columns"}]
            )
        students = {s.user.email.lower(): s for s in await self._students(access, None, None)}
        attempts = {
            t.user_id: t
            for t in await self.session.scalars(
                select(m.AssessmentAttempt).where(m.AssessmentAttempt.assessment_id == assessment.id)
            )
        }
        rows: list[schemas.ImportRow] = []
        planned: list[tuple[Answer, float, str]] = []
        seen: dict[str, int] = {}
        for line_no, cells in enumerate(reader, start=2):
            if line_no > MAX_ROSTER_ROWS + 1:
                raise ImportFormatError(
                    f"more than {MAX_ROSTER_ROWS} rows", errors=[{"key": "file", "message": "too many rows"}]
                )
            if not any(c.strip() for c in cells):
                continue
            email = cells[email_at].strip() if email_at < len(cells) else ""
            reason = (cells[reason_at].strip() if reason_at is not None and reason_at < len(cells) else "") or (
                "CSV import"
            )
            problems: list[str] = []
            changes: list[dict[str, object]] = []
            student = students.get(email.lower())
            attempt = attempts.get(student.user.id) if student else None
            if email.lower() in seen:
                problems.append(f"the same e-mail as line {seen[email.lower()]}")
            seen.setdefault(email.lower(), line_no)
            if student is None:
                problems.append("not a student of this course")
            elif attempt is None:
                problems.append("has not started this assessment")
            for index, question in columns.items():
                raw = cells[index].strip() if index < len(cells) else ""
                if not raw:
                    continue
                label = f"Q{questions.index(question) + 1}"
                try:
                    value = float(raw.replace(",", "."))
                except ValueError:
                    problems.append(f"{label}: {raw!r} is not a number")
                    continue
                if not 0 <= value <= 100:
                    problems.append(f"{label}: {value:g} is outside 0..100")
                    continue
                if attempt is None:
                    continue
                answer = Answer(assessment, attempt, question)
                old = await self.percent_of(answer)
                if old is not None and abs(old - value) < 0.005:
                    continue
                changes.append({"question": label, "from": old, "to": round(value, 2)})
                planned.append((answer, value, reason))
            rows.append(schemas.ImportRow(line=line_no, email=email, changes=changes, problems=problems))
        bad = [r for r in rows if r.problems]
        preview = schemas.ImportPreview(
            rows=rows, changes=sum(len(r.changes) for r in rows), problems=sum(len(r.problems) for r in rows)
        )
        if not commit:
            return preview
        if bad:
            first = "; ".join(f"line {r.line}: {', '.join(r.problems)}" for r in bad[:5])
            raise InvalidInputError(
                f"{len(bad)} rows have problems, so nothing was imported ({first}{' ...' if len(bad) > 5 else ''})",
                errors=[{"key": f"line {r.line}", "message": ", ".join(r.problems)} for r in bad[:50]],
            )
        for answer, value, reason in planned:
            await self.override_answer(access, answer, value, reason, action="scores_imported")
        preview.committed = True
        return preview


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _reader(data: bytes) -> Iterator[list[str]]:
    if len(data) > MAX_ROSTER_BYTES:
        raise ImportFormatError(
            f"the file is larger than {MAX_ROSTER_BYTES // (1024 * 1024)} MB",
            errors=[{"key": "file", "message": "too large"}],
        )
    text, _encoding = decode_csv(data)
    return csv.reader(text.splitlines(), delimiter=sniff_delimiter(text))
