"""The Grafana dashboard and the alert rules name only metrics that Verdict's processes export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from api.domain.system import metrics as api_metrics
from api.domain.system.lanes import LaneStats, QueueStats
from judge_worker import metrics as judge_metrics
from judge_worker.contracts import WorkerHeartbeat

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
_NAME = re.compile(r"\b(verdict_[a-z_]+)")


def exported() -> set[str]:
    judge_metrics.PICKUP_SECONDS.labels(kind="submission").observe(0.1)
    judge_metrics.JUDGE_SECONDS.labels(language="python3").observe(0.1)
    judge_metrics.JOBS.labels(language="python3", verdict="AC").inc()
    judge_metrics.SANDBOX_FAULTS.labels(kind="sandbox").inc()
    api_metrics.REQUEST_SECONDS.labels("GET", "/health", "2xx").observe(0.01)
    lanes = [LaneStats(lane="submit", waiting=0, oldest_wait_s=0, estimated_wait_s=0.0)]
    fleet = api_metrics._FleetCollector(
        [WorkerHeartbeat(id="w", host="h", slots=1)], QueueStats(depth=0, running=0, lanes=lanes), {b"AC|py": b"1"}
    )
    names: set[str] = set()
    for text in (generate_latest(REGISTRY), generate_latest(api_metrics.REGISTRY)):
        names |= {s.name for f in text_string_to_metric_families(text.decode()) for s in f.samples}
    names |= {s.name for f in fleet.collect() for s in f.samples}
    return names


def test_the_dashboard_uses_only_exported_metrics() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "verdict-fleet.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 10
    used = {name for expr in exprs for name in _NAME.findall(expr)}
    assert used, exprs
    assert used <= exported(), used - exported()
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_the_alert_rules_use_only_exported_metrics() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    used = {name for expr in exprs for name in _NAME.findall(expr)}
    assert used <= exported(), used - exported()
    assert all(rule["annotations"]["summary"] for group in rules["groups"] for rule in group["rules"])


def test_the_seccomp_file_is_the_judge_profile() -> None:
    from api.domain.fleet.seccomp import DENIED_SYSCALLS, judge_seccomp_json

    text = (DEPLOY / "seccomp" / "judge.json").read_text()
    assert text == judge_seccomp_json(), "regenerate deploy/seccomp/judge.json from api.domain.fleet.seccomp"
    profile = json.loads(text)
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    assert set(profile["syscalls"][0]["names"]) == set(DENIED_SYSCALLS)
    assert not {"clone", "unshare", "mount", "pivot_root", "setns", "sethostname"} & set(DENIED_SYSCALLS)
