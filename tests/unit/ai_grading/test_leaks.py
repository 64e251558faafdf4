"""The leak check: a run of FRAGMENT normalised characters of a hidden text in an output is found whatever the
spacing, case or line breaks; shorter runs, and runs of the student's own answer, are not."""

from __future__ import annotations

import pytest

from api.domain.ai_grading.leaks import FRAGMENT, Secret, find_leak, normalise

HIDDEN_INPUT = "1000000000000 999999999999 888888888888 777777777777 666666666666 31415926535"
SECRETS = [Secret("hidden test secret/group2/01 (input)", HIDDEN_INPUT)]


def test_normalise_drops_whitespace_and_case() -> None:
    assert normalise("  Print( X )\n\tEND ") == "print(x)end"
    assert normalise("\uff50\uff52\uff49\uff4e\uff54") == "print"  # NFKC: full-width letters are letters


@pytest.mark.parametrize(
    "output",
    [
        f"Your program fails on {HIDDEN_INPUT}.",
        "try the input " + HIDDEN_INPUT.replace(" ", "\n"),  # reflowed
        "TRY " + HIDDEN_INPUT.upper().replace(" ", "  "),
        "noise " + normalise(HIDDEN_INPUT)[5 : 5 + FRAGMENT] + " noise",  # exactly FRAGMENT characters, squashed
    ],
)
def test_a_quote_of_a_hidden_text_is_found(output: str) -> None:
    leak = find_leak(output, SECRETS)
    assert leak is not None
    assert leak.label == SECRETS[0].label
    assert len(leak.fragment) == FRAGMENT


def test_a_shorter_run_or_another_text_is_not_a_leak() -> None:
    assert find_leak(normalise(HIDDEN_INPUT)[: FRAGMENT - 1], SECRETS) is None
    assert find_leak("Your loop is off by one; big numbers need 64-bit integers. " * 5, SECRETS) is None
    assert find_leak("", SECRETS) is None
    assert find_leak(HIDDEN_INPUT, []) is None


def test_a_run_of_the_students_own_answer_is_allowed() -> None:
    answer = f"data = '{HIDDEN_INPUT}'  # I hard-coded the input"
    assert find_leak(f"On line 1 you wrote {HIDDEN_INPUT}", SECRETS, allowed=[answer]) is None
    assert find_leak(f"On line 1 you wrote {HIDDEN_INPUT}", SECRETS, allowed=["print(1)"]) is not None
