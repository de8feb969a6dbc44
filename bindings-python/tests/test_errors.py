"""Every exception class, raised from a real provider error or a real validation failure."""

from __future__ import annotations

import pytest

import vibergate


def bad(sandbox: vibergate.Sandbox, provider: str, secret: str) -> vibergate.Client:
    return vibergate.Client(sandbox.dsn(provider).replace(secret, "bad-" + secret))


def test_hierarchy() -> None:
    classes = [
        vibergate.InvalidConfigError, vibergate.InvalidMessageError, vibergate.UnsupportedError,
        vibergate.NoValidRecipientsError, vibergate.AuthError, vibergate.PermissionDeniedError,
        vibergate.InsufficientFundsError, vibergate.InvalidSenderError, vibergate.InvalidTextError,
        vibergate.InvalidRequestError, vibergate.RateLimitedError, vibergate.ProviderError,
        vibergate.TransportError, vibergate.TimeoutError, vibergate.DecodeError, vibergate.InternalError,
    ]
    assert len({c.code for c in classes}) == 16
    assert all(issubclass(c, vibergate.VibergateError) for c in classes)
    assert issubclass(vibergate.TimeoutError, TimeoutError)
    assert issubclass(vibergate.TransportError, ConnectionError)
    assert issubclass(vibergate.InvalidMessageError, ValueError)


def test_config_and_validation_errors(sandbox: vibergate.Sandbox) -> None:
    with pytest.raises(vibergate.InvalidConfigError) as e:
        vibergate.Client("smsclub://SECRET@default?colour=red")
    assert e.value.field == "colour" and "SECRET" not in str(e.value)
    with pytest.raises(vibergate.InvalidConfigError):
        vibergate.Client.smsclub(token="t", colour="red")  # type: ignore[call-arg]
    # A misspelt name gets the closest known one, from the core's rule.
    with pytest.raises(vibergate.InvalidConfigError) as c:
        vibergate.Client.smsclub(token="t", sendr="Shop")  # type: ignore[call-arg]
    assert c.value.message == 'unknown option "sendr" (did you mean "sender"?)' and c.value.field == "sendr"
    with pytest.raises(vibergate.InvalidMessageError) as p:
        sandbox.client("smsby").send_personalized([{"to": "375291234567", "txet": "Hi"}])
    assert p.value.message == 'unknown field "txet" in "items[0]" (did you mean "text"?)'
    assert p.value.field == "items[0].txet"
    client = sandbox.client("smsclub")
    with pytest.raises(vibergate.InvalidMessageError) as m:
        client.send(to=["380989361121"], text="x" * 1001)
    assert m.value.field == "text" and m.value.code == "invalid_message"
    with pytest.raises(vibergate.NoValidRecipientsError) as n:
        client.send(to=["12"], text="x")
    assert n.value.rejected[0].reason == "invalid_number"
    with pytest.raises(vibergate.UnsupportedError):
        client.balance()
    with pytest.raises(vibergate.UnsupportedError) as u:
        client.send(to=["380989361121"], text="x", callback_url="https://x.example/cb")
    assert u.value.field == "callback_url"
    assert not [r for r in sandbox.requests() if r["path"] == "/vibers/send"], "validation sends nothing"


def test_provider_errors(sandbox: vibergate.Sandbox) -> None:
    with pytest.raises(vibergate.AuthError) as a:
        bad(sandbox, "smsclub", "sandbox-token").send(to=["380989361121"], text="x")
    assert (a.value.http_status, a.value.provider) == (401, "smsclub")
    with pytest.raises(vibergate.AuthError):
        bad(sandbox, "inteltele", "sandbox-key").balance()
    with pytest.raises(vibergate.AuthError):
        bad(sandbox, "smsby", "sandbox-token").send(to=["375291234567"], text="x")

    client = sandbox.client("smsclub")
    cases = [
        (460, "account", vibergate.PermissionDeniedError),
        (464, "noMoney", vibergate.InsufficientFundsError),
        (461, "sender", vibergate.InvalidSenderError),
        (462, "text", vibergate.InvalidTextError),
        (400, "upload_img", vibergate.InvalidRequestError),
        (463, "anyCorrectPhones", vibergate.NoValidRecipientsError),
    ]
    for status, key, cls in cases:
        sandbox.inject("status", provider="smsclub", status=status, body=f'{{"errorRequest":{{"errors":{{"{key}":["x"]}}}}}}')
        with pytest.raises(cls) as e:
            client.send(to=["380989361121"], text="x")
        assert e.value.http_status == status and e.value.field == key

    # SMS Club's own "system error" may come after it acted: a send reports it uncertain; a
    # read raises it.
    sandbox.inject("status", provider="smsclub", status=465, body='{"errorRequest":{"errors":{"systemError":["x"]}}}')
    report = client.send(to=["380989361121"], text="x")
    assert [u.phone for u in report.uncertain] == ["380989361121"] and not report.accepted
    sandbox.inject("status", provider="smsclub", status=465, body='{"errorRequest":{"errors":{"systemError":["x"]}}}')
    with pytest.raises(vibergate.ProviderError) as p:
        client.status(["1"])
    assert p.value.http_status == 465

    sandbox.inject("rate_limit", provider="smsclub", retry_after="120")
    with pytest.raises(vibergate.RateLimitedError) as r:
        client.status(["1"])
    assert r.value.retry_after_ms == 120_000

    sandbox.inject("malformed", provider="smsclub")
    with pytest.raises(vibergate.DecodeError):
        client.status(["1"])

    it = sandbox.client("inteltele")
    sandbox.inject("status", provider="inteltele", status=200, body="{'reply':[{'status': 'error: ip not allowed'}]}")
    with pytest.raises(vibergate.PermissionDeniedError):
        it.send(to=["380989361121"], text="x")


def test_network_errors() -> None:
    client = vibergate.Client("smsclub://t@default?sender=S&max_retries=0&base_url=http://127.0.0.1:1")
    with pytest.raises(vibergate.TransportError):
        client.status(["1"])


def test_timeouts_never_resend_a_send(sandbox: vibergate.Sandbox) -> None:
    client = vibergate.Client(sandbox.dsn("decisiontelecom") + "&timeout_ms=200")
    sandbox.inject("latency", provider="decisiontelecom", ms=600)
    report = client.send(to=["972512345678"], text="x")
    assert [u.phone for u in report.uncertain] == ["972512345678"]
    assert len([r for r in sandbox.requests() if r["path"] == "/v1/api/send-viber"]) == 1
    sandbox.inject("latency", provider="decisiontelecom", ms=600, count=3)
    with pytest.raises(vibergate.TimeoutError):
        vibergate.Client(sandbox.dsn("decisiontelecom") + "&timeout_ms=200&max_retries=1").status(["1"])
