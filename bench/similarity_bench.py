"""Similarity benchmark: fingerprint and compare 500 generated Python programs (``make bench-similarity``).

The programs are built from a pool of function shapes with random names, constants, order and extra statements,
and one in ten is a disguised copy of another (names changed, functions reordered), so the comparison has both
unrelated and near-identical pairs to do. Two figures: the comparison alone (``seconds``), and the whole report
job as the api-tasks worker runs it (``job_seconds``: load the counted submissions from the database, compare,
write progress and the pairs), on a fresh embedded SQLite database. Writes bench/similarity.json with both and the
machine's load (the target: under 60 s for 500 programs)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Final

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from api.db import models as m
from api.db.migrate import upgrade
from api.domain.similarity.engine import Source, compare_sources
from api.domain.similarity.tasks import build_similarity_report
from api.lib.timeutil import utcnow

OUT: Final = Path(__file__).with_name("similarity.json")
WORDS: Final = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "total",
    "count",
    "value",
    "item",
    "score",
    "width",
    "height",
    "left",
    "right",
    "node",
    "edge",
    "path",
]

SHAPES: Final = (
    "def {f}({a}):\n    {b} = 0\n    for {c} in {a}:\n        {b} += {c} * {n}\n    return {b}\n",
    "def {f}({a}, {b}):\n    if {a} > {b}:\n        return {a} - {b}\n    return {b} % ({a} + {n})\n",
    "def {f}({a}):\n    {b} = []\n    while {a}:\n        {b}.append({a}.pop() + {n})\n    return {b}\n",
    "def {f}({a}):\n    {b} = {{}}\n    for {c} in {a}:\n        {b}[{c}] = {b}.get({c}, 0) + {n}\n    return {b}\n",
    "def {f}({a}):\n    return [{c} for {c} in range({a}) if {c} % {n} == 0]\n",
    "def {f}({a}, {b}):\n    {c} = 1\n    for _ in range({b}):\n        {c} = ({c} * {a}) % {n}\n    return {c}\n",
    "def {f}({a}):\n    {b}, {c} = 0, 1\n    for _ in range({a}):\n"
    "        {b}, {c} = {c}, {b} + {c} + {n}\n    return {b}\n",
    "def {f}({a}):\n    try:\n        return int({a}) // {n}\n    except ValueError:\n        return -{n}\n",
    "def {f}({a}):\n    {b} = sorted({a})\n    {c} = len({b}) // 2\n    return {b}[{c}] if {b} else {n}\n",
    "def {f}({a}, {b}):\n    with open({a}) as {c}:\n        return [{b}(line) for line in {c}][:{n}]\n",
    "class {F}:\n    def __init__(self, {a}):\n        self.{b} = {a}\n\n"
    "    def {f}(self):\n        return self.{b} * {n}\n",
    "def {f}({a}):\n    {b} = set()\n    for {c} in {a}:\n        if {c} in {b}:\n"
    "            return {c}\n        {b}.add({c})\n    return {n}\n",
)


def _name(rng: random.Random) -> str:
    return "_".join(rng.sample(WORDS, 2)) + str(rng.randint(0, 99))


def _function(rng: random.Random, shape: str) -> str:
    names = {k: _name(rng) for k in "abc"}
    return shape.format(f=_name(rng), F=_name(rng).title().replace("_", ""), n=rng.randint(2, 97), **names)


def program(rng: random.Random) -> list[str]:
    return [_function(rng, shape) for shape in rng.sample(SHAPES, rng.randint(4, 8))]


def disguise(rng: random.Random, parts: list[str]) -> list[str]:
    out = list(parts)
    rng.shuffle(out)
    renamed = []
    for part in out:
        text = part
        for word in WORDS:
            text = text.replace(word, word[::-1])
        renamed.append("# helper\n" + text)
    return renamed


def generate(count: int, seed: int) -> list[Source]:
    rng = random.Random(seed)
    programs: list[list[str]] = []
    for index in range(count):
        if index % 10 == 9:
            programs.append(disguise(rng, programs[rng.randrange(len(programs))]))
        else:
            programs.append(program(rng))
    return [
        Source(key=f"s{i:04d}", name="main.py", text="\n\n".join(parts) + "\nprint('done')\n")
        for i, parts in enumerate(programs)
    ]


async def _seed(sessions: async_sessionmaker[Any], sources: list[Source]) -> uuid.UUID:
    async with sessions() as session:
        course = m.Course(title="Bench", code=f"B-{uuid.uuid4().hex[:8]}")
        session.add(course)
        await session.flush()
        assessment = m.Assessment(course_id=course.id, title="Bench lab", kind="assignment")
        session.add(assessment)
        await session.flush()
        question = m.AssessmentQuestion(assessment_id=assessment.id, type="code", config={"count": "best"})
        session.add(question)
        await session.flush()
        for source in sources:
            user = m.User(email=f"{source.key}-{uuid.uuid4().hex[:6]}@example.com", display_name=source.key)
            session.add(user)
            await session.flush()
            attempt = m.AssessmentAttempt(assessment_id=assessment.id, user_id=user.id, started_at=utcnow())
            submission = m.Submission(user_id=user.id, language="python3", files={"main.py": source.text}, score=100.0)
            session.add_all([attempt, submission])
            await session.flush()
            session.add(
                m.AssessmentSubmission(attempt_id=attempt.id, question_id=question.id, submission_id=submission.id)
            )
        report = m.SimilarityReport(
            course_id=course.id, assessment_id=assessment.id, question_id=question.id, boilerplate="print('done')\n"
        )
        session.add(report)
        await session.commit()
        return report.id


async def _job(url: str, sources: list[Source]) -> tuple[float, int]:
    engine = create_async_engine(url)
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        report_id = await _seed(sessions, sources)
        started = time.perf_counter()
        kept = await build_similarity_report({"sessions": sessions}, str(report_id))
        return time.perf_counter() - started, kept
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-job", action="store_true", help="measure the comparison only")
    args = parser.parse_args()
    sources = generate(args.count, args.seed)
    load_before = os.getloadavg()
    started = time.perf_counter()
    comparison = compare_sources(sources, boilerplate="print('done')\n", limit=args.count)
    seconds = time.perf_counter() - started
    job_seconds: float | None = None
    kept = 0
    if not args.no_job:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            upgrade(url)
            job_seconds, kept = asyncio.run(_job(url, sources))
    load_after = os.getloadavg()
    copied = {s.key for i, s in enumerate(sources) if i % 10 == 9}
    found = {key for m in comparison.matches if m.score >= 0.9 for key in (m.a, m.b)} & copied
    result = {
        "programs": args.count,
        "seconds": round(seconds, 2),
        "job_seconds": None if job_seconds is None else round(job_seconds, 2),
        "job_pairs_stored": kept,
        "target_seconds": 60,
        "within_target": max(seconds, job_seconds or 0.0) < 60,
        "pairs_scored": args.count * (args.count - 1) // 2,
        "pairs_sharing_a_fingerprint": comparison.pairs,
        "pairs_kept_with_regions": len(comparison.matches),
        "disguised_copies_generated": len(copied),
        "disguised_copies_in_a_pair_of_90_percent_or_more": len(found),
        "mean_chars": round(sum(len(s.text) for s in sources) / max(1, len(sources))),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
