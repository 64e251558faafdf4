"""Prompts: numbered answer lines, every rubric item listed, worked examples as earlier turns; the validator refuses
items out of range, twice or missing and lines the answer does not have."""

from __future__ import annotations

import msgspec
import pytest

from api.domain.ai_grading.client import SchemaError, _strip_fence
from api.domain.ai_grading.prompts import (
    AnswerText,
    Example,
    RubricLine,
    grading_messages,
    line_count,
    numbered,
    validator,
)
from api.domain.ai_grading.schemas import GradeOutput, ItemDecision

RUBRIC = [RubricLine("Correct loop", 60, "the loop covers every element"), RubricLine("Typos", -10)]


def test_numbered_lines() -> None:
    assert numbered("a\nb") == "1 | a\n2 | b"
    assert numbered("\n".join("x" * 10)).splitlines()[9] == "10 | x"
    assert line_count("") == 1


def test_messages_list_the_rubric_and_the_examples_before_the_answer() -> None:
    example = Example(answer=AnswerText(text="for x in xs: pass"), applied=(2,), feedback='Watch "typos".')
    messages = grading_messages(
        question_md="Sum a list.",
        rubric=RUBRIC,
        answer=AnswerText(text="total = 0\nfor x in xs:\n    total += x", language="python3", verdict="WA"),
        examples=[example],
    )
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "1. Correct loop (+60 points): the loop covers every element" in messages[-1]["content"]
    assert "2. Typos (-10 points)" in messages[-1]["content"]
    assert "3 |     total += x" in messages[-1]["content"]
    assert "Judged: WA." in messages[-1]["content"]
    shown = msgspec.json.decode(messages[2]["content"], type=GradeOutput)  # the example's grade, valid JSON
    assert [(d.item, d.applies) for d in shown.items] == [(1, False), (2, True)]
    assert shown.feedback == 'Watch "typos".'


def _output(*decisions: tuple[int, list[int]]) -> GradeOutput:
    return GradeOutput(items=[ItemDecision(item=i, applies=True, lines=lines) for i, lines in decisions], feedback="ok")


def test_the_validator() -> None:
    check = validator(2, 3)
    check(_output((1, [1, 3]), (2, [])))
    for bad, message in [
        (_output((1, []), (3, [])), "item 3 is not a rubric item"),
        (_output((1, []), (1, [])), "listed twice"),
        (_output((1, [4]), (2, [])), "cites line 4"),
        (_output((2, [])), "rubric item 1 is missing"),
    ]:
        with pytest.raises(SchemaError, match=message):
            check(bad)


def test_a_fenced_json_answer_is_unwrapped() -> None:
    assert _strip_fence('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert _strip_fence('{"a": 1}') == '{"a": 1}'
