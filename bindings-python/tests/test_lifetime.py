"""Clients, async clients and routers close: as context managers or with close()/aclose(), which
wait for the calls in flight; a later call raises ClosedError."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, List

import pytest

import vibergate


def wait_until(condition: Callable[[], bool]) -> None:
    """Polls a condition that the code under test makes true soon (no timing assertion)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "the condition never became true"
        time.sleep(0.005)


def in_flight(target: object) -> int:
    calls: int = getattr(target, "_gate")._calls
    return calls


def test_with_client_closes_it(sandbox: vibergate.Sandbox) -> None:
    with vibergate.Client(sandbox.dsn("smsclub")) as client:
        assert not client.closed
        assert client.send(to=["380989361121"], text="Hi").accepted
    assert client.closed
    assert "closed" in repr(client) and client.provider == "smsclub" and "***" in client.to_dsn()
    with pytest.raises(vibergate.ClosedError) as caught:
        client.send(to=["380989361121"], text="Hi")
    e = caught.value
    assert isinstance(e, vibergate.InvalidConfigError) and isinstance(e, vibergate.VibergateError)
    assert isinstance(e, ValueError)
    assert e.code == "invalid_config"
    assert "closed" in str(e) and "make a new Client" in str(e)
    with pytest.raises(vibergate.ClosedError):
        client.status(["1"])
    client.close()  # again: nothing happens


def test_close_waits_for_calls_in_flight(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client(sandbox.dsn("smsclub"))
    sandbox.inject("latency", provider="smsclub", ms=400)
    with ThreadPoolExecutor(1) as pool:
        sending = pool.submit(client.send, to=["380989361121"], text="Hi")
        wait_until(lambda: in_flight(client) == 1)
        client.close()
        # close() returned only after the send did, and the send was not cut short.
        assert sending.done()
        assert sending.result().accepted
    with pytest.raises(vibergate.ClosedError):
        client.send(to=["380989361121"], text="Hi")


def test_a_call_refused_while_close_waits(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client(sandbox.dsn("smsclub"))
    sandbox.inject("latency", provider="smsclub", ms=400)
    with ThreadPoolExecutor(2) as pool:
        sending = pool.submit(client.send, to=["380989361121"], text="Hi")
        wait_until(lambda: in_flight(client) == 1)
        closing = pool.submit(client.close)
        wait_until(lambda: client.closed)
        with pytest.raises(vibergate.ClosedError):
            client.status(["1"])
        closing.result()
        assert sending.result().accepted


def test_async_with_and_aclose(sandbox: vibergate.Sandbox) -> None:
    async def main() -> vibergate.AsyncClient:
        async with vibergate.AsyncClient(sandbox.dsn("smsclub")) as client:
            report = await client.send(to=["380989361121"], text="Hi")
            assert report.accepted
            assert [s.state for s in await client.status(report.message_ids)] == ["delivered"]
        assert client.closed and "closed" in repr(client)
        with pytest.raises(vibergate.ClosedError):
            await client.send(to=["380989361121"], text="Hi")
        await client.aclose()  # again
        return client

    client = asyncio.run(main())
    assert client.closed


def test_aclose_waits_for_calls_in_flight_without_blocking_the_loop(sandbox: vibergate.Sandbox) -> None:
    async def main() -> None:
        client = sandbox.async_client("smsclub")
        sandbox.inject("latency", provider="smsclub", ms=400)
        sending = asyncio.ensure_future(client.send(to=["380989361121"], text="Hi"))
        while in_flight(client._client) == 0:
            await asyncio.sleep(0.005)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.ensure_future(tick())
        await client.aclose()
        assert sending.done() and sending.result().accepted
        # The event loop ran while aclose waited.
        assert ticks > 1
        ticker.cancel()

    asyncio.run(main())


def test_aclose_returns_after_the_late_result_of_a_cancelled_send(sandbox: vibergate.Sandbox) -> None:
    late: List[vibergate.LateResult] = []
    arrived = threading.Event()

    def catch(result: vibergate.LateResult) -> None:
        late.append(result)
        arrived.set()

    async def main() -> None:
        client = sandbox.async_client("smsclub", on_late_result=catch)
        sandbox.inject("latency", provider="smsclub", ms=400)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.send(to=["380989361121"], text="Hi"), 0.05)
        await client.aclose()
        # No waiting: aclose returned after the outcome was handed over.
        assert arrived.is_set()
        assert len(late[0].message_ids) == 1

    asyncio.run(main())


def test_router_closes_the_clients_it_made_only(sandbox: vibergate.Sandbox) -> None:
    given = sandbox.client("decisiontelecom")
    with vibergate.Router(sandbox.dsn("smsclub"), given) as router:
        report = router.send(to=["380989361121"], text="Hi")
        assert report.accepted
    assert router.closed
    with pytest.raises(vibergate.ClosedError) as caught:
        router.send(to=["380989361121"], text="Hi")
    assert "make a new Router" in str(caught.value)
    made = router.clients[0]
    assert made.closed and not given.closed
    assert given.send(to=["972512345678"], text="Hi").accepted
    # A closed client cannot join a router.
    with pytest.raises(vibergate.ClosedError):
        vibergate.Router(made)
