from __future__ import annotations

import pytest

import vibergate


def test_failover_on_auth_and_status(sandbox: vibergate.Sandbox) -> None:
    bad = sandbox.dsn("smsclub").replace("sandbox-token", "bad-token")
    router = vibergate.Router(f"{bad} || {sandbox.dsn('decisiontelecom')}")
    report = router.send(to=["380989361121", "380989361122"], text="Hi")
    assert [a.provider for a in report.accepted] == ["decisiontelecom", "decisiontelecom"]
    assert report.attempts[0].error is not None and report.attempts[0].error["code"] == "auth"
    assert [a.requests for a in report.attempts] == [1, 2] and report.requests == 3
    assert [s.state for s in router.status(report.accepted)] == ["delivered", "delivered"]
    assert len(router.status(report.message_ids)) == 2
    assert "bad-token" not in repr(router)


def test_no_failover_on_timeout(sandbox: vibergate.Sandbox) -> None:
    first = vibergate.Client(sandbox.dsn("decisiontelecom") + "&timeout_ms=200")
    router = vibergate.Router(first, sandbox.client("smsclub"))
    sandbox.inject("latency", provider="decisiontelecom", ms=600)
    report = router.send(to=["380989361121"], text="Hi")
    assert report.uncertain[0].provider == "decisiontelecom"
    assert not [r for r in sandbox.requests() if r["provider"] == "smsclub"]


def test_total_failure_lists_every_attempt(sandbox: vibergate.Sandbox) -> None:
    router = vibergate.Router(
        sandbox.dsn("smsclub").replace("sandbox-token", "bad-token"),
        sandbox.dsn("inteltele").replace("sandbox-key", "bad-key"),
        cooldown_ms=0,
    )
    with pytest.raises(vibergate.AuthError) as e:
        router.send(to=["380989361121"], text="Hi")
    assert [a["provider"] for a in e.value.attempts] == ["smsclub", "inteltele"]
    router.reset_cooldowns()


def test_webhook_event_kinds_for_batches_and_replies() -> None:
    [accepted] = vibergate.parse_webhook(
        "smsby", body='{"uuid":"3f2a-77","success":"OK"}', content_type="application/json"
    )
    assert (accepted.kind, accepted.batch_id) == ("batch_accepted", "3f2a-77")
    [reply] = vibergate.parse_webhook(
        "decisiontelecom",
        body='{"message_token":"5","phone_number":"380989361121","time":"1700000000",'
        '"message":{"text":"yes","tracking_data":"tracking_id:100035"}}',
        content_type="application/json",
    )
    assert (reply.kind, reply.reply_to_message_id, reply.at) == ("inbound", "100035", "2023-11-14T22:13:20Z")
