"""A Rust panic inside any native entry raises vibergate.InternalError (an Exception), never
pyo3's PanicException (a BaseException that slips past ``except Exception``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict

import pytest

import vibergate
from vibergate import _native

MESSAGE = json.dumps({"to": ["380989361121"], "text": "Hi"})


def panics_as_internal(call: Callable[[], Any]) -> vibergate.InternalError:
    """Arms the native test hook, then checks `call` raises InternalError."""
    _native._panic_for_tests()
    try:
        call()
    except vibergate.InternalError as e:
        assert e.code == "internal" and "panicked" in e.message
        assert isinstance(e, Exception)
        return e
    except BaseException as e:  # noqa: B036 - PanicException is what must never come out
        pytest.fail(f"{type(e).__name__} instead of InternalError: {e}")
    pytest.fail("no error: the entry did not run inside the panic boundary")


def native(call: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: vibergate.client._native_call(call, *args)


def test_every_native_entry_maps_a_panic(sandbox: vibergate.Sandbox) -> None:
    client = _native.NativeClient(sandbox.dsn("smsclub"))
    router = _native.NativeRouter([client])
    sb = _native.NativeSandbox("{}")
    entries: Dict[str, Callable[[], Any]] = {
        "NativeClient": native(_native.NativeClient, sandbox.dsn("smsclub")),
        "NativeClient.provider": native(client.provider),
        "NativeClient.to_dsn": native(client.to_dsn),
        "NativeClient.config_json": native(client.config_json),
        "NativeClient.call": native(client.call, "send", MESSAGE),
        "NativeRouter": native(_native.NativeRouter, [client]),
        "NativeRouter.to_dsn": native(router.to_dsn),
        "NativeRouter.call": native(router.call, "send", MESSAGE),
        "NativeRouter.reset_cooldowns": native(router.reset_cooldowns),
        "NativeSandbox": native(_native.NativeSandbox, "{}"),
        "NativeSandbox.base_url": native(sb.base_url),
        "NativeSandbox.dsn": native(sb.dsn, "smsclub"),
        "NativeSandbox.requests": native(sb.requests),
        "NativeSandbox.inject": native(sb.inject, '{"kind":"empty"}'),
        "NativeSandbox.reset": native(sb.reset),
        "NativeSandbox.stop": native(sb.stop),
        "parse_webhook": native(_native.parse_webhook, "inteltele", '{"query":"msgid=1&status=delivrd"}'),
        "sms_info": native(_native.sms_info, "Hi"),
        "tables": native(_native.tables),
        "split_chain": native(_native.split_chain, "smsclub://t@default"),
        "dsn_from_env": native(_native.dsn_from_env),
        "_panic_for_tests": native(_native._panic_for_tests),
    }
    for name, call in entries.items():
        try:
            panics_as_internal(call)
        except pytest.fail.Exception as e:
            pytest.fail(f"{name}: {e}")
    sb.stop()

    # Every entry of the module is in the table: a new one without a case fails here.
    public = {name for name in vars(_native) if callable(getattr(_native, name)) and not name.startswith("__")}
    public.discard("NativeError")
    for cls in (_native.NativeClient, _native.NativeRouter, _native.NativeSandbox):
        public |= {f"{cls.__name__}.{m}" for m in vars(cls) if not m.startswith("_")}
    assert public == set(entries), public ^ set(entries)


def test_the_public_api_raises_internal_error(sandbox: vibergate.Sandbox) -> None:
    dsn = sandbox.dsn("smsclub")
    client = vibergate.Client(dsn)
    router = vibergate.Router(client)
    panics_as_internal(lambda: vibergate.Client(dsn))
    # (provider and to_dsn are read once, when the client is made, so that they outlive close.)
    panics_as_internal(lambda: client.send(to=["380989361121"], text="Hi"))
    panics_as_internal(lambda: vibergate.parse_webhook("inteltele", query="msgid=1&status=delivrd"))
    panics_as_internal(lambda: vibergate.sms_info("Hi"))
    panics_as_internal(lambda: vibergate.Router(client))
    panics_as_internal(router.reset_cooldowns)
    panics_as_internal(lambda: router.send(to=["380989361121"], text="Hi"))
    panics_as_internal(lambda: sandbox.dsn("smsclub"))
    panics_as_internal(vibergate.Sandbox)
    other = vibergate.Sandbox()
    panics_as_internal(other.stop)
    other.stop()
    # On asyncio, through the worker thread.
    async_client = vibergate.AsyncClient.wrap(client)
    panics_as_internal(lambda: asyncio.run(async_client.send(to=["380989361121"], text="Hi")))
    # A plain `except Exception` handler sees it.
    _native._panic_for_tests()
    try:
        client.send(to=["380989361121"], text="Hi")
    except Exception as e:
        assert isinstance(e, vibergate.VibergateError) and e.code == "internal"
    # And everything works again afterwards.
    assert client.send(to=["380989361121"], text="Hi").accepted


# Tokens of the right byte length (64) made of multibyte characters, and of other lengths.
FORGED_TOKENS = [
    "\N{GRINNING FACE}" * 16,
    "a" + "é" * 31 + "a",
    "é" * 32,
    "\N{GRINNING FACE}" * 32,
    "0é",
    "",
]


@pytest.mark.parametrize("token", FORGED_TOKENS, ids=["16 emoji", "a, 31 é, a", "32 é", "32 emoji", "short", "empty"])
def test_a_forged_multibyte_token_is_an_auth_error(token: str) -> None:
    body = '{"message_id":429,"status":1}'
    for query in ({"vg_token": token}, "vg_token=" + "".join(f"%{b:02X}" for b in token.encode())):
        with pytest.raises(vibergate.AuthError):
            vibergate.parse_webhook(
                "decisiontelecom", query=query, body=body, secret="s3cret", callback_url="https://shop.example/hook"
            )
