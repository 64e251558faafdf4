"""The wire contract tolerates what a newer or older peer sends (rolling deploys: old and new side by side)."""

from __future__ import annotations

import uuid

import msgspec

from judge_worker.contracts import (
    CaseFinished,
    CaseResult,
    Finished,
    JudgeReport,
    JudgeRequest,
    Verdict,
    WorkerHeartbeat,
    decode_event,
    encode_event,
)


def test_a_request_from_a_newer_api_with_unknown_fields_is_understood() -> None:
    payload = {
        "submission_id": str(uuid.uuid4()),
        "language": "python3",
        "files": {"main.py": "print(1)"},
        "priority": "high",  # a field this worker does not know
        "limits": {"time_ms": 500, "gpu": True},
    }
    request = msgspec.convert(payload, JudgeRequest)
    assert request.limits.time_ms == 500
    assert request.attempt == 1
    assert request.input_file is None


def test_a_request_from_an_older_api_gets_defaults_for_new_fields() -> None:
    old = {"submission_id": str(uuid.uuid4()), "attempt": 2, "language": "cpp17", "files": {"main.cpp": ""}}
    request = msgspec.convert(old, JudgeRequest)
    assert request.checker.float_tolerance is None
    assert request.checker.flags == ()
    assert request.policy.groups == ()


def test_events_round_trip_and_old_consumers_still_read_a_coalesced_event() -> None:
    sid = uuid.uuid4()
    batch = (CaseResult(index=0, verdict=Verdict.AC), CaseResult(index=1, verdict=Verdict.WA))
    event = CaseFinished(
        submission_id=sid, attempt=1, seq=3, index=1, verdict=Verdict.WA, result=batch[-1], batch=batch, total=5
    )
    wire = encode_event(event)
    assert decode_event(wire) == event
    raw = msgspec.json.decode(wire)
    assert raw["type"] == "case_finished"
    assert (raw["index"], raw["verdict"]) == (1, "WA")  # what a consumer unaware of ``batch`` reads


def test_a_report_and_a_heartbeat_from_an_older_worker_decode() -> None:
    old_report = {"submission_id": str(uuid.uuid4()), "attempt": 1, "verdict": "AC", "score": 100.0}
    report = msgspec.convert(old_report, JudgeReport)
    assert report.last_seq == 0
    assert report.groups == ()
    old_beat = b'{"id":"w1","host":"h","slots":2,"busy":1,"languages":["python3"],"last_seen":1.0}'
    beat = msgspec.json.decode(old_beat, type=WorkerHeartbeat)
    assert (beat.running, beat.jobs_done, beat.job_seconds_avg) == (0, 0, 0.0)


def test_a_final_event_says_whether_it_is_the_recorded_result() -> None:
    event = Finished(submission_id=uuid.uuid4(), attempt=1, seq=9, verdict=Verdict.IE, message="sandbox down")
    decoded = decode_event(encode_event(event))
    assert isinstance(decoded, Finished)
    assert decoded.authoritative is False
    assert decoded.message == "sandbox down"
