"""The prompts. A prompt is built from what a student may see and what staff wrote: the question, its rubric, the
student's answer (numbered lines), a code answer's verdict and how many tests passed, and hand-graded answers as
worked examples. It takes no test data and no reference solution (api/domain/ai_grading/leaks.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import msgspec

from api.domain.ai_grading.client import Message, SchemaError
from api.domain.ai_grading.schemas import GradeOutput, ItemDecision

__all__ = [
    "HINT_PROMPT_VERSION",
    "PROMPT_VERSION",
    "AnswerText",
    "Example",
    "RubricLine",
    "grading_messages",
    "hint_messages",
    "line_count",
    "numbered",
    "validator",
]

PROMPT_VERSION: Final = "grade-v1"
HINT_PROMPT_VERSION: Final = "hint-v1"
MAX_ANSWER_CHARS: Final = 24_000
MAX_EXAMPLES: Final = 3

_SYSTEM: Final = """You are a careful teaching assistant grading one student's answer with the instructor's rubric.
Decide for every rubric item whether it applies to this answer. Cite the lines of the answer your decision rests on
(the numbers before the lines). Then write feedback for the student: specific, kind, at most a few sentences.
Never invent test data or a model solution; judge only what is in front of you.
Reply with only a JSON object of this form, nothing else:
{"items": [{"item": <number of the rubric item>, "applies": true|false, "rationale": "<why, citing lines>",
"lines": [<line numbers>]}], "feedback": "<feedback for the student>"}
List every rubric item exactly once."""


@dataclass(frozen=True)
class RubricLine:
    title: str
    points: float
    description: str = ""


@dataclass(frozen=True)
class AnswerText:
    text: str
    language: str | None = None  # a code answer's language; None: prose
    verdict: str | None = None
    tests_passed: int | None = None
    tests_total: int | None = None


@dataclass(frozen=True)
class Example:
    """A hand-graded answer: what the grader applied (item numbers from 1) and wrote."""

    answer: AnswerText
    applied: Sequence[int] = field(default_factory=tuple)
    feedback: str = ""


def numbered(text: str) -> str:
    lines = text[:MAX_ANSWER_CHARS].splitlines() or [""]
    width = len(str(len(lines)))
    return "\n".join(f"{i:>{width}} | {line}" for i, line in enumerate(lines, start=1))


def line_count(text: str) -> int:
    return max(1, len(text[:MAX_ANSWER_CHARS].splitlines()))


def _rubric(items: Sequence[RubricLine]) -> str:
    return "\n".join(
        f"{i}. {item.title} ({item.points:+g} points)" + (f": {item.description.strip()}" if item.description else "")
        for i, item in enumerate(items, start=1)
    )


def _answer(answer: AnswerText) -> str:
    parts = []
    if answer.language is not None:
        parts.append(f"A program in {answer.language}.")
        if answer.verdict:
            parts.append(f"Judged: {answer.verdict}.")
        if answer.tests_total:
            parts.append(f"{answer.tests_passed or 0} of {answer.tests_total} tests passed.")
    return (" ".join(parts) + "\n" if parts else "") + "```\n" + numbered(answer.text) + "\n```"


def grading_messages(
    *, question_md: str, rubric: Sequence[RubricLine], answer: AnswerText, examples: Sequence[Example] = ()
) -> list[Message]:
    messages: list[Message] = [{"role": "system", "content": _SYSTEM}]
    head = f"The question:\n{question_md.strip() or '(no text)'}\n\nThe rubric:\n{_rubric(rubric)}"
    for example in examples[:MAX_EXAMPLES]:
        messages.append({"role": "user", "content": f"{head}\n\nA graded answer:\n{_answer(example.answer)}"})
        shown = GradeOutput(
            items=[ItemDecision(item=i, applies=i in example.applied) for i in range(1, len(rubric) + 1)],
            feedback=example.feedback or "(no comment)",
        )
        messages.append({"role": "assistant", "content": msgspec.json.encode(shown).decode()})
    messages.append({"role": "user", "content": f"{head}\n\nThe answer to grade:\n{_answer(answer)}"})
    return messages


def validator(item_count: int, lines: int) -> Callable[[GradeOutput], None]:
    def validate(output: GradeOutput) -> None:
        seen: set[int] = set()
        for decision in output.items:
            if not 1 <= decision.item <= item_count:
                raise SchemaError(f"item {decision.item} is not a rubric item (they are numbered 1 to {item_count})")
            if decision.item in seen:
                raise SchemaError(f"item {decision.item} is listed twice")
            seen.add(decision.item)
            bad = [n for n in decision.lines if not 1 <= n <= lines]
            if bad:
                raise SchemaError(f"item {decision.item} cites line {bad[0]}, but the answer has {lines} lines")
        missing = sorted(set(range(1, item_count + 1)) - seen)
        if missing:
            raise SchemaError(f"rubric item {missing[0]} is missing")

    return validate


_HINT_SYSTEM: Final = """You help a student understand why their program fails one test they can see. Explain the
likely cause in a few short paragraphs, pointing to lines of their program. Do not write the corrected program and
do not give a full solution; help them find the fix themselves."""


def hint_messages(
    *, question_md: str, source: str, language: str, test_input: str, expected: str, verdict: str
) -> list[Message]:
    body = (
        f"The problem:\n{question_md.strip() or '(no text)'}\n\n"
        f"My program ({language}):\n```\n{numbered(source)}\n```\n"
        f"\nIt fails this test with {verdict}.\nInput:\n```\n{test_input}\n```\nExpected output:\n```\n{expected}\n```"
    )
    return [{"role": "system", "content": _HINT_SYSTEM}, {"role": "user", "content": body}]
