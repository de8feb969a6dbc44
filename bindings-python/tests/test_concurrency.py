"""The GIL is released during network calls; asyncio methods are real coroutines."""

from __future__ import annotations

import asyncio
import threading
import time

import vibergate


def test_threads_run_in_parallel(sandbox: vibergate.Sandbox) -> None:
    client = sandbox.client("decisiontelecom")
    sandbox.inject("latency", provider="decisiontelecom", ms=200, count=8)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(client.send(to=["972512345678"], text="x"))) for _ in range(8)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert len(results) == 8 and all(r.accepted for r in results)
    # Every request reached the server before the first one's 200 ms latency was over: the
    # calls overlapped, which they could not while holding the GIL.
    arrivals = sorted(r["at_ms"] for r in sandbox.requests())
    assert arrivals[-1] - arrivals[0] < 200, arrivals
    assert elapsed < 8 * 0.2, elapsed


def test_async_client(sandbox: vibergate.Sandbox) -> None:
    async def main() -> list:
        client = sandbox.async_client("decisiontelecom")
        sandbox.inject("latency", provider="decisiontelecom", ms=200, count=20)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        tick = asyncio.ensure_future(ticker())
        reports = await asyncio.gather(*(client.send(to=["972512345678"], text="x") for _ in range(20)))
        tick.cancel()
        assert ticks >= 5, "the event loop kept running during the sends"
        # All 20 were in flight at once: more than asyncio's default executor runs on a small machine.
        arrivals = sorted(r["at_ms"] for r in sandbox.requests())
        assert len(arrivals) == 20 and arrivals[-1] - arrivals[0] < 200, arrivals
        states = await client.status([r.message_ids[0] for r in reports])
        return states

    states = asyncio.run(main())
    assert len(states) == 20


def test_logging_redacts_credentials(sandbox: vibergate.Sandbox, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("DEBUG", logger="vibergate")
    client = vibergate.Client(sandbox.dsn("smsby"))
    listed = client.send_to_list("1", text="x")
    client.confirm_mailing(listed.mailing_id)  # SMS.by puts this token in the query string
    lines = [r.getMessage() for r in caplog.records if r.name == "vibergate"]
    assert any("confirmViberMessage" in line and "token=***" in line for line in lines), lines
    assert not any("sandbox-token" in line for line in lines)
