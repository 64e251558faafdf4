"""The API, fleet and exam-burst benchmarks run in a tiny configuration (seconds), so they cannot rot: each must
finish, write its JSON with the figures the manuals quote, and see every submission reach exactly one verdict.
Their timings here mean nothing (a busy machine); ``make bench-*`` measures them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
TARGET_MISSED = 1  # a benchmark exits with 1 when a figure misses its target: not a failure of the benchmark


def run_bench(script: str, output: Path, *args: str, within: float = 300) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=within,
        check=False,
    )
    assert done.returncode in {0, TARGET_MISSED}, done.stdout[-3000:] + done.stderr[-3000:]
    figures: dict[str, Any] = json.loads(output.read_text())
    return figures


def numbers(figures: dict[str, Any], *keys: str) -> None:
    for key in keys:
        assert isinstance(figures[key], int | float), (key, figures[key])


def test_api_bench(tmp_path: Path) -> None:
    figures = run_bench(
        "api_bench.py", tmp_path / "api.json", "--duration", "1", "--users", "5", "--watchers", "20", "--events", "3"
    )
    numbers(figures, "submit_rps", "submit_rps_per_api_core", "health_rps", "problem_page_ms_p50", "ws_event_ms_p50")
    details = figures["details"]
    submit = details["submit"]
    assert submit["count"] > 0
    assert submit["statuses"] == {"201": submit["count"]}  # every submission accepted...
    assert submit["queued"] == submit["count"]  # ...and enqueued exactly once
    ws = details["websocket"]
    assert ws["watchers_with_every_event"] == ws["watchers"] == 20  # every watcher got every event once
    assert ws["deliveries"] == 20 * 3
    assert ws["watchers_closed_after_final"] == 20
    assert {"machine_cores", "loadavg_1_5_15"} <= set(details["load_before"])


def test_fleet_bench(tmp_path: Path) -> None:
    figures = run_bench(
        "fleet_bench.py", tmp_path / "fleet.json", "--workers", "4", "--rate", "40", "--duration", "2", "--idle", "1"
    )
    numbers(figures, "pickup_ms_p50", "pickup_ms_p99", "redis_cpu_share")
    assert figures["submissions"] == 80
    assert figures["submissions_with_one_final"] == 80  # exactly one final event each
    assert figures["submissions_with_several_finals"] == 0
    assert figures["reports_enqueued"] == 80  # and one report for the API each
    assert figures["details"]["pickups_measured"] == 80
    assert figures["details"]["workers"] == 4
    baseline = figures["baseline_polling"]  # the same fleet polling as before wake tokens, in the same run
    numbers(baseline, "pickup_ms_p50", "redis_cpu_share")
    assert (baseline["submissions"], baseline["one_final_each"]) == (80, True)
    assert {"machine_cores", "loadavg_1_5_15"} <= set(figures["details"]["load_before"])


@pytest.mark.parametrize("students", [30])
def test_burst_bench(tmp_path: Path, students: int) -> None:
    figures = run_bench(
        "burst_bench.py", tmp_path / "burst.json", "--students", str(students), "--window", "1", "--tests", "5"
    )
    numbers(figures, "estimate_error_p50", "estimate_within_20pct", "countdown_share")
    assert figures["submissions"] == students
    assert figures["submissions_with_one_final"] == students  # one authoritative final on each socket
    assert figures["submissions_done_in_database"] == students  # and one recorded verdict
    assert figures["details"]["verdicts"] == {"AC": students}
    assert figures["details"]["queue_messages"] > 0  # the positions were shown counting down
