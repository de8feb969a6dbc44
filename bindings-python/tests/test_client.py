"""Every method against the sandbox, for every provider."""

from __future__ import annotations

from typing import List

import pytest

import vibergate
from vibergate import Button, DeliveryState, Message, PersonalizedItem, SmsFallback


def test_smsclub_send_status_chats(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client(sandbox.dsn("smsclub"))
    report = client.send(to=["+380 98 936 11 21", "380989369999", "380989360000"], text="Hi", two_way=True)
    assert [a.phone for a in report.accepted] == ["380989361121", "380989360000"]
    assert report.rejected[0].reason == "blacklisted"
    assert report.uncertain == []
    states = client.status(report.message_ids)
    assert [s.state for s in states] == [DeliveryState.DELIVERED, DeliveryState.UNDELIVERABLE]
    assert states[0].state == "delivered"  # a str enum
    chat_id = report.accepted[0].chat_id
    assert chat_id is not None
    assert any(c.chat_id == chat_id for c in client.chats())
    thread = client.chat(chat_id)
    assert [m.direction for m in thread.messages] == ["outgoing", "incoming"]
    replies = client.inbound(chat_id=chat_id)
    assert replies[0].text.startswith("Re: ")
    reply = client.send(Message(chat_id=chat_id, text="Thanks"))
    assert reply.accepted[0].phone == "380989361121"
    assert "chats" in client.capabilities().operations


def test_message_objects_and_keyword_forms_are_equivalent(sandbox: vibergate.Sandbox) -> None:
    client = sandbox.client("smsclub")
    a = client.send(Message(to=["380989361121"], text="Hi", image_url="https://x.example/i.png", button=Button("Go", "https://x.example")))
    b = client.send(to="380989361121", text="Hi", image_url="https://x.example/i.png", button=("Go", "https://x.example"))
    assert len(a.accepted) == len(b.accepted) == 1
    bodies = [r["body"] for r in sandbox.requests() if r["path"] == "/vibers/send"]
    assert bodies[0] == bodies[1]
    with pytest.raises(TypeError):
        client.send(Message(to=["1"]), text="both")
    with pytest.raises(TypeError):
        client.send(to=["380989361121"], txt="typo")  # type: ignore[call-arg]


def test_decisiontelecom_fallback_and_states(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client.decisiontelecom(api_key="k", base_url=sandbox.base_url, sender="Shop")
    report = client.send(to=["972512221111", "972512222222"], text="Code 1234", sms_fallback=SmsFallback("Code 1234"))
    assert report.requests == 2
    first, second = client.status(report.message_ids)
    assert (first.state, first.sms_state) == (DeliveryState.UNDELIVERABLE, DeliveryState.DELIVERED)
    assert second.read and second.state is DeliveryState.READ


def test_inteltele_balance_rates_and_costs(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client.inteltele(username="u", api_key="k", base_url=sandbox.base_url)
    assert client.balance().balance == "100.00"
    assert client.balance().credit == "0.00"
    assert any(r.country == "ru" and r.network == "01" for r in client.rates())
    report = client.send(to=["380989361121"], text="Hi", sms_fallback={"text": "Hi", "sender": "Shop"})
    assert report.accepted[0].cost == "0.050000"
    assert client.balance().balance == "99.95"
    assert all("api_key" not in r["query"] for r in sandbox.requests())


def test_smsby_bulk_personal_lists_and_inbound(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client.smsby(token="t", base_url=sandbox.base_url, sender="1", sms_sender="2")
    quick = client.send(to=["375291234567"], text="Hi")
    assert client.status(quick.message_ids)[0].state == DeliveryState.DELIVERED
    bulk = client.send(to=["375291234567", "375292222222"], text="Sale", label="Autumn")
    assert bulk.batch_id
    batch = client.status_batch(bulk.batch_id)
    assert [d.state for d in batch.mailings[0].deliveries] == [DeliveryState.DELIVERED, DeliveryState.READ]
    personal = client.send_personalized(
        [PersonalizedItem("375291234567", "Hi Ann", "https://x.example/1"), {"to": "375291234568", "text": "Hi Bob", "button_url": "https://x.example/2"}],
        button_text="Open",
    )
    assert len(personal.accepted) == 2
    listed = client.send_to_list("1", text="News")
    assert listed.subscribers == 3
    client.confirm_mailing(listed.mailing_id)
    assert client.mailing(listed.mailing_id).status == "SENT"
    assert len(client.mailings()) >= 3
    assert len(client.delivery_list(listed.mailing_id)) == 3
    replies = client.inbound(mailing_id=listed.mailing_id)
    assert len(replies) == 3
    assert client.mark_inbound_read([r.id for r in replies if r.id]) == 3


def test_results_have_dicts_equality_and_safe_reprs(sandbox: vibergate.Sandbox) -> None:
    client = sandbox.client("smsclub")
    report = client.send(to=["380989361121"], text="Hi")
    as_dict = report.to_dict()
    assert as_dict["accepted"][0]["phone"] == "380989361121"
    assert vibergate.SendReport.from_dict(as_dict) == report
    assert "sandbox-token" not in repr(client) and "***" in repr(client)
    assert "sandbox-token" not in repr(report)
    assert client.to_dsn().startswith("smsclub://***@default")


def test_from_env(sandbox: vibergate.Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIBERGATE_DSN", sandbox.dsn("inteltele"))
    assert vibergate.Client.from_env().provider == "inteltele"
    monkeypatch.delenv("VIBERGATE_DSN")
    with pytest.raises(vibergate.InvalidConfigError):
        vibergate.Client.from_env()


def test_sms_info() -> None:
    info = vibergate.sms_info("Привет")
    assert (info.encoding, info.characters, info.segments) == ("ucs2", 6, 1)
    assert vibergate.sms_info("a" * 161).segments == 2


def test_rate_limit_waits_are_logged_at_info(sandbox: vibergate.Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.INFO, logger="vibergate")
    client = vibergate.Client(sandbox.dsn("smsclub") + "&rate_limit=2")
    for _ in range(3):
        client.send(to=["380989361121"], text="Hi")
    waits = [r.getMessage() for r in caplog.records if r.name == "vibergate" and r.levelno == logging.INFO]
    assert any("rate limit" in w and "waiting" in w for w in waits), waits


def test_close_from_a_log_handler_on_a_worker_thread_does_not_hang(sandbox: vibergate.Sandbox) -> None:
    import logging
    import threading

    client = vibergate.Client(sandbox.dsn("decisiontelecom") + "&max_in_flight=4")
    main = threading.get_ident()
    closed_on: List[str] = []

    class CloseOnWorker(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if threading.get_ident() != main and not client.closed:
                client.close()
                closed_on.append(threading.current_thread().name)

    handler = CloseOnWorker()
    logger = logging.getLogger("vibergate")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        items = [{"to": f"+38063611111{i}", "text": f"hi {i}"} for i in range(6)]
        report = client.send_personalized(items=items)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    # The call in flight finished (every item in a bucket); later calls are refused.
    assert len(report.accepted) + len(report.rejected) + len(report.uncertain) == 6
    assert closed_on and client.closed
    with pytest.raises(vibergate.ClosedError):
        client.send(to=["380636111112"], text="Hi")
