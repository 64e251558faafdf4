"""Judge0 submissions judged end to end by the real fleet: the API as a uvicorn server (``verdict serve``), the
api-tasks worker, a judge worker and its nsjail sandbox, real PostgreSQL and Redis. Clients talk HTTP to it."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec

from api.domain.judge0.errors import NOT_UTF8_ONE
from api.lib.redis_server import find_free_port
from api.settings import Settings
from tests.integration.conftest import FleetFactory
from tests.integration.judge0.conftest import TokenHolder, make_token_holder
from tests.support.fleet import JudgeFleet

HELLO = 'print("hello, " + input())'
FINAL_WAIT_S = 90


def judge0_client(fleet: JudgeFleet, who: TokenHolder) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"{fleet.api_url}/judge0", headers=who.headers, timeout=60)


async def wait_all(client: httpx.AsyncClient, tokens: list[str], *, fields: str = "*") -> list[dict[str, Any]]:
    """Poll ``GET /submissions/batch`` (as Judge0 clients do) until every submission is finished."""
    deadline = time.monotonic() + FINAL_WAIT_S
    while True:
        resp = await client.get(
            "/submissions/batch", params={"tokens": ",".join(tokens), "fields": fields, "base64_encoded": "true"}
        )
        assert resp.status_code == 200, resp.text
        submissions: list[dict[str, Any]] = resp.json()["submissions"]
        if all(s["status"]["id"] not in (1, 2) for s in submissions):
            return submissions
        assert time.monotonic() < deadline, f"not judged in time: {submissions}"
        await asyncio.sleep(0.2)


def text(value: str | None) -> str | None:
    return None if value is None else base64.b64decode(value).decode()


async def test_outcomes_map_onto_judge0_statuses(fleet_factory: FleetFactory, settings: Settings) -> None:
    cases: dict[str, dict[str, Any]] = {
        "accepted": {
            "source_code": HELLO,
            "language_id": 71,
            "stdin": "Judge0",
            "expected_output": "hello, Judge0  \n\n",
        },
        "no_expected": {"source_code": 'print("anything")', "language_id": 71},
        "runs": {
            "source_code": HELLO,
            "language_id": 71,
            "stdin": "x",
            "expected_output": "hello, x",
            "number_of_runs": 3,
        },
        "wrong": {"source_code": HELLO, "language_id": 71, "stdin": "Judge0", "expected_output": "hello, world"},
        "nzec": {
            "source_code": 'import sys\nprint("partial")\nsys.stderr.write("boom\\n")\nsys.exit(3)\n',
            "language_id": 71,
        },
        "sigsegv": {"source_code": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "language_id": 71},
        "sigfpe": {
            "source_code": '#include <cstdio>\nint main(){int a,b;std::scanf("%d %d",&a,&b);std::printf("%d",a/b);}\n',
            "language_id": 54,
            "stdin": "7 0",
        },
        "compile": {"source_code": "int main( {\n", "language_id": 54},
        "py_syntax": {"source_code": "def f(:\n    return 1\n", "language_id": 71},
        "cpp_ok": {"source_code": '#include <cstdio>\nint main(){std::puts("hi");}\n', "language_id": 52},
        "tle": {"source_code": "while True:\n    pass\n", "language_id": 71, "cpu_time_limit": 0.5},
        "ole": {"source_code": 'print("x" * 100000)\n', "language_id": 71, "max_file_size": 4},
        "not_utf8": {"source_code": 'import sys\nsys.stdout.buffer.write(b"\\xff\\xfe\\n")\n', "language_id": 71},
    }
    async with fleet_factory() as fleet:
        who = await make_token_holder(settings)
        async with judge0_client(fleet, who) as client:
            languages = {lang["id"] for lang in (await client.get("/languages")).json()}
            assert languages == {52, 54, 71}  # what this fleet's worker offers (python3, cpp17)
            tokens: dict[str, str] = {}
            for name, body in cases.items():
                resp = await client.post("/submissions", json=body)
                assert resp.status_code == 201, (name, resp.text)
                tokens[name] = resp.json()["token"]
            results = dict(zip(tokens, await wait_all(client, list(tokens.values())), strict=True))
            plain = await client.get(f"/submissions/{tokens['not_utf8']}")
            stats = (await client.get("/statistics", params={"invalidate_cache": "true"})).json()
            deleted = await client.delete(f"/submissions/{tokens['wrong']}", params={"fields": "stdout,status"})
            gone = await client.get(f"/submissions/{tokens['wrong']}")

    def status(name: str) -> int:
        return int(results[name]["status"]["id"])

    accepted = results["accepted"]
    assert status("accepted") == 3
    assert text(accepted["stdout"]) == "hello, Judge0\n"
    assert accepted["exit_code"] == 0
    assert float(accepted["time"]) >= 0
    assert accepted["memory"] > 0
    assert accepted["finished_at"].endswith("Z")
    assert accepted["message"] is None
    assert status("no_expected") == 3  # no expected output: accepted whatever it prints
    assert status("runs") == 3
    assert results["runs"]["number_of_runs"] == 3
    assert status("wrong") == 4
    assert text(results["wrong"]["stdout"]) == "hello, Judge0\n"

    assert status("nzec") == 11
    assert results["nzec"]["status"]["description"] == "Runtime Error (NZEC)"
    assert results["nzec"]["exit_code"] == 3
    assert text(results["nzec"]["stderr"]) == "boom\n"
    assert text(results["nzec"]["message"]) == "Exited with error status 3"
    assert status("sigsegv") == 7
    assert results["sigsegv"]["exit_signal"] == 11
    assert text(results["sigsegv"]["message"]) == "Caught fatal signal 11"
    assert status("sigfpe") == 9
    assert results["sigfpe"]["exit_signal"] == 8

    assert status("compile") == 6
    assert "error" in (text(results["compile"]["compile_output"]) or "")
    assert results["compile"]["stdout"] is None
    assert results["compile"]["time"] is None
    assert status("py_syntax") == 6  # Python's syntax check in the sandbox: the interpreter's own message
    py_syntax = text(results["py_syntax"]["compile_output"]) or ""
    assert 'File "main.py", line 1' in py_syntax
    assert "SyntaxError: invalid syntax" in py_syntax
    assert results["py_syntax"]["stdout"] is None
    assert status("cpp_ok") == 3
    assert text(results["cpp_ok"]["stdout"]) == "hi\n"

    assert status("tle") == 5
    assert text(results["tle"]["message"]) == "Time limit exceeded"
    assert status("ole") == 8  # Judge0 has no output-limit status: SIGXFSZ, with a message saying what happened
    assert text(results["ole"]["message"]) == "Output limit exceeded"

    assert status("not_utf8") == 3
    assert plain.status_code == 400
    assert plain.json() == {"error": NOT_UTF8_ONE}

    assert stats["submissions"]["total"] == len(cases)
    counts = {entry["status"]["id"]: entry["count"] for entry in stats["statuses"]}
    assert counts[3] == 5
    assert counts[11] == 1

    assert deleted.status_code == 200
    assert deleted.json() == {"stdout": "aGVsbG8sIEp1ZGdlMAo=\n", "status": {"id": 4, "description": "Wrong Answer"}}
    assert gone.status_code == 404


class CallbackSink:
    """A small HTTP server on 127.0.0.1 that records the requests Judge0 callbacks make."""

    def __init__(self) -> None:
        self.port = find_free_port()
        self.requests: list[tuple[str, str, bytes]] = []
        self.arrived = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.requests.append((method, path, body))
        self.arrived.set()
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[CallbackSink]:
        server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)
        try:
            yield self
        finally:
            server.close()
            await server.wait_closed()


async def test_wait_and_callbacks(fleet_factory: FleetFactory, settings: Settings) -> None:
    sink = CallbackSink()
    async with sink.running(), fleet_factory(env={"JUDGE0_CALLBACK_ALLOWED_HOSTS": "127.0.0.1"}) as fleet:
        who = await make_token_holder(settings)
        async with judge0_client(fleet, who) as client:
            started = time.monotonic()
            waited = await client.post(
                "/submissions",
                params={"wait": "true"},
                json={
                    "source_code": HELLO,
                    "language_id": 71,
                    "stdin": "Judge0",
                    "expected_output": "hello, Judge0",
                    "callback_url": f"http://127.0.0.1:{sink.port}/judge0/done?id=1",
                },
            )
            elapsed = time.monotonic() - started
            not_utf8 = await client.post(
                "/submissions",
                params={"wait": "true"},
                json={"source_code": 'import sys\nsys.stdout.buffer.write(b"\\xff")\n', "language_id": 71},
            )
            await asyncio.wait_for(sink.arrived.wait(), timeout=30)

    assert waited.status_code == 201
    body = waited.json()
    assert body["status"] == {"id": 3, "description": "Accepted"}
    assert body["stdout"] == "hello, Judge0\n"
    assert set(body) == {"stdout", "time", "memory", "stderr", "token", "compile_output", "message", "status"}
    assert elapsed < 30

    assert not_utf8.status_code == 201
    assert set(not_utf8.json()) == {"token", "error"}
    assert not_utf8.json()["error"].startswith("some attributes for this submission cannot be converted to UTF-8")

    assert len(sink.requests) == 1
    method, path, raw = sink.requests[0]
    assert (method, path) == ("PUT", "/judge0/done?id=1")
    callback = msgspec.json.decode(raw)
    assert callback["token"] == body["token"]
    assert callback["status"] == {"id": 3, "description": "Accepted"}
    assert base64.b64decode(callback["stdout"]) == b"hello, Judge0\n"  # callbacks are Base64, as in Judge0


async def test_the_official_judge0_python_sdk_runs_unmodified(fleet_factory: FleetFactory, settings: Settings) -> None:
    import judge0

    async with fleet_factory() as fleet:
        who = await make_token_holder(settings)

        def use_the_sdk() -> tuple[Any, ...]:
            client = judge0.Client(
                f"{fleet.api_url}/judge0", dict(who.headers), retry_strategy=judge0.MaxWaitTime(FINAL_WAIT_S)
            )
            single = judge0.run(client=client, source_code='print("hello, world")', language=judge0.PYTHON)
            several = judge0.run(
                client=client,
                source_code=HELLO,
                language=judge0.PYTHON,
                test_cases=[("Judge0", "hello, Judge0"), ("Verdict", "hello, world")],
            )
            return client, single, several

        client, single, several = await asyncio.to_thread(use_the_sdk)

    assert client.version == "1.13.1"
    assert client.config.max_submission_batch_size == 20
    assert client.is_language_supported(judge0.PYTHON)
    assert single.status == judge0.Status.ACCEPTED
    assert single.stdout == "hello, world\n"
    assert single.time is not None
    assert [s.status for s in several] == [judge0.Status.ACCEPTED, judge0.Status.WRONG_ANSWER]
    assert several[1].stdout == "hello, Verdict\n"
