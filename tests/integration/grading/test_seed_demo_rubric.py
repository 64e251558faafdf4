"""``verdict seed --demo`` gives the demo assignment's code question a small rubric, once."""

from __future__ import annotations

from sqlalchemy import select

from api.db import models as m
from api.db.engine import create_engine, session_factory
from api.db.seed import seed
from api.db.seed_grading import DEMO_RUBRIC
from api.settings import Settings


async def test_the_demo_code_question_gets_a_rubric_once(settings: Settings) -> None:
    first = await seed(settings, demo=True)
    assert [c for c in first if c.startswith("rubric item")] == [f"rubric item {t}" for t, _d, _p in DEMO_RUBRIC]
    assert await seed(settings, demo=True) == []
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                select(m.RubricItem.title, m.RubricItem.points, m.AssessmentQuestion.type)
                .join(m.AssessmentQuestion, m.AssessmentQuestion.id == m.RubricItem.question_id)
                .order_by(m.RubricItem.position)
            )
            found = list(rows.tuples())
    finally:
        await engine.dispose()
    assert found == [(t, p, "code") for t, _d, p in DEMO_RUBRIC]
