"""``shared_state``: several processes share one account's rate limit through a redis-server of
this test's own (Debian's ``redis-server``; scripts/test.sh installs it)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import subprocess
import time
from typing import Iterator, List

import pytest

import vibergate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture()
def redis_url() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(7) == b"+PONG\r\n":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.wait()


@pytest.fixture()
def limited_sandbox() -> Iterator[vibergate.Sandbox]:
    # SMS Club's own rule: 9 requests per second per token, 429 beyond.
    with vibergate.Sandbox() as sb:
        yield sb


def _worker(dsn: str, worker: int, sends: int, out: "multiprocessing.Queue[List[str]]") -> None:
    # Each process builds its own client (never one inherited through fork).
    with vibergate.Client(dsn) as client:
        accepted: List[str] = []
        for i in range(sends):
            report = client.send(to=[f"+38097{worker:02d}{i:03d}12"], text="Hi")
            accepted.extend(a.phone for a in report.accepted)
        out.put(accepted)


def test_processes_share_one_budget_and_meet_no_429(
    limited_sandbox: vibergate.Sandbox, redis_url: str
) -> None:
    dsn = f"{limited_sandbox.dsn('smsclub')}&shared_state={redis_url}&workers=4"
    context = multiprocessing.get_context("fork")
    out: "multiprocessing.Queue[List[str]]" = context.Queue()
    workers = [context.Process(target=_worker, args=(dsn, w, 5, out)) for w in range(4)]
    for p in workers:
        p.start()
    accepted = sorted(phone for _ in workers for phone in out.get(timeout=60))
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(accepted) == 20 and len(set(accepted)) == 20
    sends = [r for r in limited_sandbox.requests() if r["provider"] == "smsclub" and r["method"] == "POST"]
    assert [r for r in sends if r.get("status") == 429] == []
    assert len(sends) == 20


def test_an_unreachable_redis_is_one_warning_on_the_vibergate_logger(
    limited_sandbox: vibergate.Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:hunter2@127.0.0.1:{_free_port()}/0"
    with vibergate.Client.smsclub(
        token="sandbox-token",
        base_url=limited_sandbox.base_url,
        sender="Shop",
        shared_state=url,
        workers=3,
    ) as client:
        assert "hunter2" not in repr(client) and "hunter2" not in client.to_dsn()
        with caplog.at_level(logging.WARNING, logger="vibergate"):
            for i in range(3):
                assert len(client.send(to=[f"+380975550{i}12"], text="Hi").accepted) == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.name == "vibergate"]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    text = warnings[0].getMessage()
    assert "unreachable" in text and "3 requests per second" in text and "hunter2" not in text


def test_fallback_fail_raises_transport_before_sending(limited_sandbox: vibergate.Sandbox) -> None:
    dsn = f"{limited_sandbox.dsn('smsclub')}&shared_state=redis://127.0.0.1:{_free_port()}&shared_state_fallback=fail"
    with vibergate.Client(dsn) as client:
        with pytest.raises(vibergate.TransportError) as e:
            client.send(to=["+380975551112"], text="Hi")
    assert e.value.field == "shared_state"
    assert [r for r in limited_sandbox.requests() if r["provider"] == "smsclub"] == []


def test_bad_shared_state_options_are_invalid_config() -> None:
    for options in (
        "shared_state=http://127.0.0.1:6379",
        "shared_state=redis://127.0.0.1:6379&shared_state_fallback=maybe",
        "workers=0",
    ):
        with pytest.raises(vibergate.InvalidConfigError):
            vibergate.Client(f"smsclub://TOKEN@default?{options}")
