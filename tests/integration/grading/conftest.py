"""Fixtures of the grading tests: the courses tests' six callers and their course (``cast``), and a way to record
a judged program for a code question (the judge pipeline itself is tested in tests/integration/assessments)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.settings import Settings
from tests.integration.accounts.conftest import MailSink, mailbox, smtp_server  # noqa: F401 - fixtures
from tests.integration.courses.conftest import cast, client, settings_env  # noqa: F401 - fixtures


async def record_judged_program(
    settings: Settings, *, user_id: uuid.UUID, assessment_id: str, question_id: str, source: str, score: float
) -> uuid.UUID:
    """A program the student submitted for a code question, as the judge leaves it once judged (3 tests)."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            attempt = await session.scalar(
                select(m.AssessmentAttempt).where(
                    m.AssessmentAttempt.assessment_id == uuid.UUID(assessment_id),
                    m.AssessmentAttempt.user_id == user_id,
                )
            )
            question = await session.get(m.AssessmentQuestion, uuid.UUID(question_id))
            assert attempt is not None
            assert question is not None
            submission = m.Submission(
                user_id=user_id,
                problem_id=uuid.UUID(question.config["problemId"]),
                language="python3",
                files={"main.py": source},
                status=m.SubmissionStatus.DONE,
                verdict="WA" if score < 100 else "AC",
                score=score,
                results=[{"index": i, "verdict": "AC" if i * 34 < score else "WA"} for i in range(3)],
                judged_at=datetime.now(UTC),
            )
            session.add(submission)
            await session.flush()
            session.add(
                m.AssessmentSubmission(attempt_id=attempt.id, question_id=question.id, submission_id=submission.id)
            )
            await session.commit()
            return submission.id
    finally:
        await engine.dispose()
