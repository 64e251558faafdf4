"""The grading policy as pure functions: groups (subtasks) with points and dependencies, short-circuit, scores.

A :class:`GradingPlan` decides which tests may run, takes their outcomes (in any order, as parallel slots finish)
and commits them in run order, so what is skipped never depends on which slot was faster. Scoring:

- a group with ``points > 0`` earns ``points x the lowest fraction among its tests`` (IOI subtasks);
- a group with ``points == 0``, and the tests outside any group, earn each test's ``points x fraction``;
- the score is the points earned over the points available, normalised to 100.

A group runs only after every group it depends on passed completely; otherwise all its tests are skipped. Within
a group with ``short_circuit`` (the tests outside any group: ``GradingPolicy.short_circuit``), the first test that
fails skips the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import msgspec

from judge_worker.contracts import GradingPolicy, GroupResult, TestGroup, Verdict

__all__ = ["GradingPlan", "PlannedTest", "PolicyError", "Summary"]

UNGROUPED: Final = ""


class PolicyError(ValueError):
    """The test set's groups are inconsistent (unknown dependency, a cycle): a problem-setter error, judged IE."""


class PlannedTest(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    points: float = 1.0
    group: str | None = None


class Summary(msgspec.Struct, frozen=True, kw_only=True):
    verdict: Verdict
    score: float
    groups: tuple[GroupResult, ...]
    points: dict[int, tuple[float, float]]  # test index -> (points earned, points available)


class _Committed(msgspec.Struct, frozen=True):
    verdict: Verdict
    fraction: float


class _Group:
    def __init__(self, spec: TestGroup, tests: list[PlannedTest]) -> None:
        self.spec = spec
        self.tests = tests
        self.next_commit = 0  # position in self.tests of the next outcome to commit
        self.failed_verdict: Verdict | None = None  # first failing verdict, in run order
        self.skip_from: int | None = None  # position from which tests are skipped
        self.skip_reason: Verdict | None = None

    @property
    def resolved(self) -> bool:
        return self.skip_from is not None or self.next_commit == len(self.tests)

    @property
    def passed(self) -> bool:
        return self.resolved and self.skip_from is None and self.failed_verdict is None


class GradingPlan:
    """Run order, skipping and scoring for one submission's tests."""

    def __init__(self, tests: Sequence[PlannedTest], policy: GradingPolicy) -> None:
        declared = {group.name: group for group in policy.groups}
        if UNGROUPED in declared:
            raise PolicyError("a test group needs a non-empty name")
        members: dict[str, list[PlannedTest]] = {}
        for test in tests:
            members.setdefault(test.group or UNGROUPED, []).append(test)
        specs: dict[str, TestGroup] = {UNGROUPED: TestGroup(name=UNGROUPED, short_circuit=policy.short_circuit)}
        specs.update(declared)
        for name in members:
            specs.setdefault(name, TestGroup(name=name))
        for spec in specs.values():
            for dep in spec.depends_on:
                if dep not in specs:
                    raise PolicyError(f"test group {spec.name!r} depends on {dep!r}, which does not exist")
        self._groups = {name: _Group(specs[name], members.get(name, [])) for name in _topological(specs)}
        self._group_of = {test.index: self._groups[test.group or UNGROUPED] for test in tests}
        self._tests = {test.index: test for test in tests}
        self._position = {t.index: pos for g in self._groups.values() for pos, t in enumerate(g.tests)}
        self.order: tuple[int, ...] = tuple(t.index for g in self._groups.values() for t in g.tests)
        self._started: set[int] = set()
        self._outcomes: dict[int, _Committed] = {}
        self._committed: dict[int, _Committed] = {}

    # --- scheduling -------------------------------------------------------------------------------------------
    def ready(self) -> list[int]:
        """Tests that may start now, in run order: not started, not skipped, their group's dependencies passed."""
        result: list[int] = []
        for group in self._groups.values():
            if group.resolved:
                continue
            deps = [self._groups[name] for name in group.spec.depends_on]
            if not all(dep.resolved for dep in deps):
                continue
            failed = next((dep for dep in deps if not dep.passed), None)
            if failed is not None:
                self._skip(group, 0, failed.failed_verdict or failed.skip_reason or Verdict.WA)
                continue
            result.extend(t.index for t in group.tests[group.next_commit :] if t.index not in self._started)
        return result

    def start(self, index: int) -> None:
        self._started.add(index)

    def record(self, index: int, verdict: Verdict, fraction: float) -> list[int]:
        """Take a test's outcome; return the tests committed by it, in run order (possibly none, or several)."""
        if index in self._outcomes or index in self._committed:
            raise ValueError(f"test {index} already has an outcome")
        self._outcomes[index] = _Committed(verdict, min(1.0, max(0.0, fraction)))
        group = self._group_of[index]
        committed: list[int] = []
        while not group.resolved:
            test = group.tests[group.next_commit]
            outcome = self._outcomes.pop(test.index, None)
            if outcome is None:
                break
            self._committed[test.index] = outcome
            committed.append(test.index)
            group.next_commit += 1
            if outcome.verdict is not Verdict.AC:
                group.failed_verdict = group.failed_verdict or outcome.verdict
                if group.spec.short_circuit and outcome.fraction == 0.0:  # partial points do not stop the group
                    self._skip(group, group.next_commit, outcome.verdict)
        return committed

    def skipped(self) -> list[int]:
        """Tests that will not run (or whose speculative result is discarded), in run order."""
        self.ready()  # resolves groups whose dependencies failed
        return [
            t.index
            for g in self._groups.values()
            if g.skip_from is not None
            for t in g.tests[g.skip_from :]
            if t.index not in self._committed
        ]

    def skip_reason(self, index: int) -> Verdict:
        return self._group_of[index].skip_reason or Verdict.WA

    def wanted(self, index: int) -> bool:
        """Whether a started test's outcome still matters (False once short-circuit or a dependency skipped it)."""
        group = self._group_of[index]
        return group.skip_from is None or self._position[index] < group.skip_from

    @property
    def done(self) -> bool:
        self.ready()
        return all(group.resolved for group in self._groups.values())

    def _skip(self, group: _Group, position: int, reason: Verdict) -> None:
        group.skip_from = position
        group.skip_reason = reason
        for test in group.tests[position:]:
            self._outcomes.pop(test.index, None)

    # --- scoring ----------------------------------------------------------------------------------------------
    def test_points(self, index: int, fraction: float) -> tuple[float, float]:
        """(points earned, points available) of one test; (0, 0) in a group scored as a whole."""
        if self._group_of[index].spec.points > 0:
            return 0.0, 0.0
        points = self._tests[index].points
        return _round(points * min(1.0, max(0.0, fraction))), points

    def summary(self) -> Summary:
        """Verdict, score (0 to 100) and per-group results; call once ``done``."""
        if not self.done:
            raise ValueError("the plan is not finished")
        points: dict[int, tuple[float, float]] = {}
        groups: list[GroupResult] = []
        earned_total = available_total = 0.0
        verdict: Verdict | None = None
        for name, group in self._groups.items():
            fractions = [self._fraction(t.index) for t in group.tests]
            first_failure = group.failed_verdict or group.skip_reason
            if verdict is None and first_failure is not None:
                verdict = first_failure
            if group.spec.points > 0:
                available = group.spec.points
                earned = available * min(fractions, default=1.0)
                for test in group.tests:
                    points[test.index] = (0.0, 0.0)
            else:
                available = sum(t.points for t in group.tests)
                earned = 0.0
                for test, fraction in zip(group.tests, fractions, strict=True):
                    points[test.index] = (_round(test.points * fraction), test.points)
                    earned += test.points * fraction
            earned_total += earned
            available_total += available
            if name != UNGROUPED:
                groups.append(
                    GroupResult(
                        name=name,
                        verdict=first_failure or Verdict.AC,
                        points=_round(earned),
                        max_points=available,
                        skipped=group.skip_from == 0 and bool(group.tests),
                    )
                )
        all_passed = 100.0 if verdict is None else 0.0
        score = 100.0 * earned_total / available_total if available_total > 0 else all_passed
        return Summary(verdict=verdict or Verdict.AC, score=_round(score), groups=tuple(groups), points=points)

    def _fraction(self, index: int) -> float:
        outcome = self._committed.get(index)
        return outcome.fraction if outcome is not None else 0.0


def _round(value: float) -> float:
    return round(value, 4)


def _topological(specs: dict[str, TestGroup]) -> list[str]:
    """Groups in an order where each comes after its dependencies (stable: the ungrouped tests first, then as
    declared); a cycle is a :class:`PolicyError`."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1: visiting, 2: done

    def visit(name: str, path: Iterable[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = " -> ".join([*path, name])
            raise PolicyError(f"test groups depend on each other in a cycle: {cycle}")
        state[name] = 1
        for dep in specs[name].depends_on:
            visit(dep, [*path, name])
        state[name] = 2
        order.append(name)

    for name in specs:
        visit(name, [])
    return order
