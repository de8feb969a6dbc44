"""Cancelling an AsyncClient call stops the waiting, not the request: the late outcome is logged
at WARNING with every id and handed to on_late_result."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import List

import pytest

import vibergate


class Catcher:
    def __init__(self) -> None:
        self.results: List[vibergate.LateResult] = []
        self.arrived = threading.Event()

    def __call__(self, late: vibergate.LateResult) -> None:
        self.results.append(late)
        self.arrived.set()

    def one(self) -> vibergate.LateResult:
        assert self.arrived.wait(30), "no late result"
        [late] = self.results
        return late


def cancel_after(coro: "asyncio.Future[object]", seconds: float) -> None:
    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(coro, seconds)

    asyncio.run(main())


def warnings(caplog: pytest.LogCaptureFixture) -> List[str]:
    return [r.getMessage() for r in caplog.records if r.name == "vibergate" and r.levelno == logging.WARNING]


def test_a_send_that_outlives_wait_for_reports_its_ids(sandbox: vibergate.Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="vibergate")
    catcher = Catcher()
    client = sandbox.async_client("smsclub", on_late_result=catcher)
    sandbox.inject("latency", provider="smsclub", ms=600)
    cancel_after(client.send(to=["380989361121", "380989361122"], text="Hi"), 0.1)

    late = catcher.one()
    assert (late.operation, late.provider, late.error) == ("send", "smsclub", None)
    assert isinstance(late.result, vibergate.SendReport)
    assert [a.phone for a in late.result.accepted] == ["380989361121", "380989361122"]
    ids = late.message_ids
    assert len(ids) == 2
    # The provider really issued them.
    assert [s.state for s in vibergate.Client(sandbox.dsn("smsclub")).status(ids)] == ["delivered", "delivered"]
    [line] = [w for w in warnings(caplog) if "AsyncClient.send" in w]
    assert all(i in line for i in ids), line
    assert "stopped waiting" in line


def test_uncertain_phones_and_errors_are_reported_too(sandbox: vibergate.Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="vibergate")
    catcher = Catcher()
    client = vibergate.AsyncClient(sandbox.dsn("decisiontelecom") + "&timeout_ms=300", on_late_result=catcher)
    sandbox.inject("latency", provider="decisiontelecom", ms=900)
    cancel_after(client.send(to=["972512345678"], text="Hi"), 0.05)
    late = catcher.one()
    assert late.uncertain == ["972512345678"] and late.message_ids == []
    assert any("972512345678" in w for w in warnings(caplog)), warnings(caplog)

    caplog.clear()
    refused = Catcher()
    bad = vibergate.AsyncClient(sandbox.dsn("smsclub").replace("sandbox-token", "bad-token"), on_late_result=refused)
    sandbox.inject("latency", provider="smsclub", ms=600)
    cancel_after(bad.send(to=["380989361121"], text="Hi"), 0.1)
    late = refused.one()
    assert isinstance(late.error, vibergate.AuthError) and late.result is None
    assert any("failed after its caller stopped waiting" in w and "auth" in w for w in warnings(caplog)), warnings(caplog)


class LogWait(logging.Handler):
    """Keeps the records the `vibergate` logger writes at `level` or above, and signals the first."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: List[logging.LogRecord] = []
        self.written = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.written.set()

    def __enter__(self) -> "LogWait":
        logging.getLogger("vibergate").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("vibergate").removeHandler(self)


def test_without_a_callback_the_warning_still_names_the_ids(sandbox: vibergate.Sandbox) -> None:
    with LogWait(logging.WARNING) as log:
        client = sandbox.async_client("decisiontelecom")
        sandbox.inject("latency", provider="decisiontelecom", ms=600)
        cancel_after(client.send(to=["972512345678"], text="Hi"), 0.1)
        assert log.written.wait(30)
    [line] = [r.getMessage() for r in log.records]
    assert len([r for r in sandbox.requests() if r["path"] == "/v1/api/send-viber"]) == 1
    assert "972512345678=" in line and "on_late_result" in line, line


def test_a_failing_callback_is_logged_not_raised(sandbox: vibergate.Sandbox) -> None:
    def broken(late: vibergate.LateResult) -> None:
        raise RuntimeError("callback bug")

    with LogWait(logging.ERROR) as log:
        client = sandbox.async_client("smsclub", on_late_result=broken)
        sandbox.inject("latency", provider="smsclub", ms=400)
        cancel_after(client.send(to=["380989361121"], text="Hi"), 0.05)
        assert log.written.wait(30)
    [record] = log.records
    assert record.exc_info and "on_late_result" in record.getMessage()
