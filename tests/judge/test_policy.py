"""The grading policy as pure functions: run order, skipping (short-circuit, dependencies), points, score."""

from __future__ import annotations

import random

import pytest

from judge_worker.contracts import GradingPolicy, TestGroup, Verdict
from judge_worker.policy import GradingPlan, PlannedTest, PolicyError

AC, WA, TLE = Verdict.AC, Verdict.WA, Verdict.TLE


def run_all(plan: GradingPlan, outcomes: dict[int, tuple[Verdict, float]]) -> list[int]:
    """Run the plan to the end, one test at a time in order; return the tests that ran."""
    ran: list[int] = []
    while not plan.done:
        ready = plan.ready()
        assert ready, "a plan that is not done must have something to run"
        index = ready[0]
        plan.start(index)
        ran.append(index)
        plan.record(index, *outcomes[index])
    return ran


def planned_tests(*groups: str | None, points: float = 1.0) -> list[PlannedTest]:
    return [PlannedTest(index=i, group=g, points=points) for i, g in enumerate(groups)]


def test_ungrouped_tests_all_run_and_score_by_points() -> None:
    plan = GradingPlan(planned_tests(None, None, None, None), GradingPolicy())
    ran = run_all(plan, {0: (AC, 1), 1: (WA, 0), 2: (AC, 1), 3: (TLE, 0)})
    assert ran == [0, 1, 2, 3]
    summary = plan.summary()
    assert summary.verdict is WA  # the first failure in run order
    assert summary.score == 50.0
    assert summary.groups == ()
    assert summary.points == {0: (1.0, 1.0), 1: (0.0, 1.0), 2: (1.0, 1.0), 3: (0.0, 1.0)}


def test_short_circuit_stops_at_the_first_failure() -> None:
    plan = GradingPlan(planned_tests(None, None, None), GradingPolicy(short_circuit=True))
    ran = run_all(plan, {0: (AC, 1), 1: (TLE, 0), 2: (AC, 1)})
    assert ran == [0, 1]
    assert plan.skipped() == [2]
    assert plan.skip_reason(2) is TLE
    summary = plan.summary()
    assert summary.verdict is TLE
    assert summary.score == pytest.approx(100 / 3, abs=1e-3)


def test_all_accepted_is_ac_and_100() -> None:
    plan = GradingPlan(planned_tests(None, "g1", "g1"), GradingPolicy(groups=(TestGroup(name="g1", points=10),)))
    run_all(plan, {0: (AC, 1), 1: (AC, 1), 2: (AC, 1)})
    summary = plan.summary()
    assert summary.verdict is AC
    assert summary.score == 100.0


def test_a_subtask_earns_its_points_only_when_all_its_tests_pass() -> None:
    groups = (TestGroup(name="easy", points=30), TestGroup(name="hard", points=70))
    plan = GradingPlan(planned_tests("easy", "easy", "hard", "hard"), GradingPolicy(groups=groups))
    run_all(plan, {0: (AC, 1), 1: (AC, 1), 2: (AC, 1), 3: (WA, 0)})
    summary = plan.summary()
    assert summary.score == 30.0
    assert [(g.name, g.points, g.max_points, g.verdict) for g in summary.groups] == [
        ("easy", 30.0, 30.0, AC),
        ("hard", 0.0, 70.0, WA),
    ]
    assert summary.points[0] == (0.0, 0.0)  # a test in a subtask has no points of its own


def test_dependencies_skip_a_group_whose_prerequisite_failed() -> None:
    groups = (
        TestGroup(name="a", points=20),
        TestGroup(name="b", points=30, depends_on=("a",)),
        TestGroup(name="c", points=50),
    )
    plan = GradingPlan(planned_tests("b", "a", "c", "b"), GradingPolicy(groups=groups))
    assert plan.order == (1, 0, 3, 2)  # a dependency runs before the group that needs it
    ran = run_all(plan, {0: (AC, 1), 1: (WA, 0), 2: (AC, 1), 3: (AC, 1)})
    assert ran == [1, 2]
    assert plan.skipped() == [0, 3]
    summary = plan.summary()
    assert summary.score == 50.0
    assert summary.verdict is WA
    b = next(g for g in summary.groups if g.name == "b")
    assert b.skipped
    assert b.points == 0.0


def test_dependencies_are_transitive() -> None:
    groups = (
        TestGroup(name="a", points=1),
        TestGroup(name="b", points=1, depends_on=("a",)),
        TestGroup(name="c", points=1, depends_on=("b",)),
    )
    plan = GradingPlan(planned_tests("a", "b", "c"), GradingPolicy(groups=groups))
    ran = run_all(plan, {0: (TLE, 0), 1: (AC, 1), 2: (AC, 1)})
    assert ran == [0]
    assert plan.skipped() == [1, 2]
    assert plan.summary().score == 0.0


def test_group_without_short_circuit_runs_every_test() -> None:
    groups = (TestGroup(name="g", points=0, short_circuit=False),)
    plan = GradingPlan(planned_tests("g", "g", "g", points=2), GradingPolicy(groups=groups))
    ran = run_all(plan, {0: (WA, 0), 1: (AC, 1), 2: (AC, 1)})
    assert ran == [0, 1, 2]
    summary = plan.summary()
    assert summary.score == pytest.approx(66.6667, abs=1e-3)  # per-test points inside a 0-point group
    assert summary.groups[0].points == 4.0
    assert summary.groups[0].max_points == 6.0


def test_partial_points_do_not_short_circuit_and_the_lowest_counts_in_a_subtask() -> None:
    groups = (TestGroup(name="g", points=40), TestGroup(name="h", points=60))
    plan = GradingPlan(planned_tests("g", "g", "h"), GradingPolicy(groups=groups))
    ran = run_all(plan, {0: (WA, 0.5), 1: (WA, 0.25), 2: (AC, 1)})
    assert ran == [0, 1, 2]
    assert plan.summary().score == 70.0  # 40 * 0.25 + 60


def test_outcomes_out_of_order_are_committed_in_run_order() -> None:
    plan = GradingPlan(planned_tests(None, None, None), GradingPolicy(short_circuit=True))
    for index in plan.ready():
        plan.start(index)
    assert plan.record(2, AC, 1) == []
    assert plan.record(1, WA, 0) == []
    assert plan.record(0, AC, 1) == [0, 1]  # test 2 finished first, but test 1 failed before it
    assert not plan.wanted(2)
    assert plan.skipped() == [2]
    assert plan.done
    assert plan.summary().verdict is WA


@pytest.mark.parametrize("seed", range(20))
def test_the_result_does_not_depend_on_which_slot_was_faster(seed: int) -> None:
    groups = (
        TestGroup(name="a", points=25),
        TestGroup(name="b", points=25, depends_on=("a",)),
        TestGroup(name="c", points=0),
    )
    planned = planned_tests(None, "a", "a", "b", "b", "c", "c", None)
    rng = random.Random(seed)
    outcomes = {t.index: (AC, 1.0) if rng.random() < 0.7 else (WA, 0.0) for t in planned}
    sequential = GradingPlan(planned, GradingPolicy(short_circuit=True, groups=groups))
    run_all(sequential, outcomes)
    parallel = GradingPlan(planned, GradingPolicy(short_circuit=True, groups=groups))
    pending: list[int] = []
    while not parallel.done:
        for index in parallel.ready():
            parallel.start(index)
            pending.append(index)
        rng.shuffle(pending)
        index = pending.pop()
        if parallel.wanted(index):
            parallel.record(index, *outcomes[index])
    assert parallel.summary() == sequential.summary()
    assert parallel.skipped() == sequential.skipped()


def test_no_tests_is_accepted() -> None:
    plan = GradingPlan([], GradingPolicy())
    assert plan.done
    summary = plan.summary()
    assert summary.verdict is AC
    assert summary.score == 100.0


def test_zero_points_everywhere_scores_by_verdict() -> None:
    plan = GradingPlan(planned_tests(None, points=0.0), GradingPolicy())
    run_all(plan, {0: (WA, 0)})
    assert plan.summary().score == 0.0


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ((TestGroup(name="a", depends_on=("nope",)),), "depends on 'nope', which does not exist"),
        (
            (TestGroup(name="a", depends_on=("b",)), TestGroup(name="b", depends_on=("a",))),
            "cycle: a -> b -> a",
        ),
        ((TestGroup(name=""),), "non-empty name"),
    ],
)
def test_inconsistent_groups_are_refused(groups: tuple[TestGroup, ...], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        GradingPlan(planned_tests("a"), GradingPolicy(groups=groups))


def test_a_test_in_an_undeclared_group_is_scored_per_test() -> None:
    plan = GradingPlan(planned_tests("x", "x"), GradingPolicy())
    run_all(plan, {0: (AC, 1), 1: (AC, 1)})
    summary = plan.summary()
    assert summary.score == 100.0
    assert summary.groups[0].name == "x"
    assert summary.groups[0].max_points == 2.0


def test_recording_twice_is_a_bug() -> None:
    plan = GradingPlan(planned_tests(None), GradingPolicy())
    plan.start(0)
    plan.record(0, AC, 1)
    with pytest.raises(ValueError, match="already has an outcome"):
        plan.record(0, AC, 1)
