from __future__ import annotations

import pytest

import vibergate
from vibergate import DeliveryState


def test_inteltele_get_and_post() -> None:
    [e] = vibergate.parse_webhook("inteltele", method="GET", query={"msgid": "abc", "status": "delivrd", "datetime": "2024-01-02 03:04:05"})
    assert (e.kind, e.message_id, e.state, e.at) == ("status", "abc", DeliveryState.DELIVERED, "2024-01-02T03:04:05Z")
    [e] = vibergate.parse_webhook("inteltele", body=b"msgid=x&status=undeliv", content_type="application/x-www-form-urlencoded")
    assert e.state == DeliveryState.UNDELIVERABLE
    [e] = vibergate.parse_webhook("inteltele", method="GET", query="msgid=q&status=rejectd")
    assert e.state == DeliveryState.REJECTED


def test_decisiontelecom_inbound_and_status() -> None:
    body = '{"message_token": 44444444444444,"phone_number": "972512222222","time": 2121212121,"message": {"text": "a message to the service","tracking_data": "tracking_id:100035"}}'
    [e] = vibergate.parse_webhook("decisiontelecom", body=body, content_type="application/json")
    assert (e.kind, e.phone, e.text, e.tracking_data) == ("inbound", "972512222222", "a message to the service", "tracking_id:100035")
    [s] = vibergate.parse_webhook("decisiontelecom", body='{"message_id":429,"status":1}')
    assert s.state == DeliveryState.DELIVERED


def test_smsby_statuses() -> None:
    events = vibergate.parse_webhook("smsby", body='[{"message_id": 1, "success": [{"delivery_id": 5, "phone": "375291111111", "status": "READ"}]}]')
    assert events[0].state == DeliveryState.READ and events[0].phone == "375291111111"


def test_bad_callbacks_raise() -> None:
    with pytest.raises(vibergate.DecodeError):
        vibergate.parse_webhook("decisiontelecom", body="nonsense")
    with pytest.raises(vibergate.UnsupportedError):
        vibergate.parse_webhook("smsclub", body="{}")
    # An unknown provider is the core's one error for it: invalid_message on `provider`.
    with pytest.raises(vibergate.InvalidMessageError) as e:
        vibergate.parse_webhook("viber", body="{}")
    assert e.value.field == "provider"


def test_signed_callbacks(sandbox: vibergate.Sandbox) -> None:
    import urllib.parse

    client = vibergate.Client(sandbox.dsn("decisiontelecom") + "&webhook_secret=s3cret")
    client.send(to=["972512345678"], text="Hi", callback_url="https://shop.example/hook")
    sent = [r for r in sandbox.requests() if r["path"] == "/v1/api/send-viber"][-1]
    signed = __import__("json").loads(sent["body"])["callback_url"]
    query = urllib.parse.urlsplit(signed).query
    body = '{"message_id":429,"status":1}'
    [e] = vibergate.parse_webhook("decisiontelecom", query=query, body=body, secret="s3cret", callback_url="https://shop.example/hook")
    assert e.state == DeliveryState.DELIVERED
    with pytest.raises(vibergate.AuthError):
        vibergate.parse_webhook("decisiontelecom", body=body, secret="s3cret", callback_url="https://shop.example/hook")
