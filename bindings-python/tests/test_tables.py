"""The package against the core's tables (`vibergate._native.tables()`): every operation has a
typed method, every error code its exception class, every delivery state its enum member. A
table that grows in the core fails here until the Python side follows."""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any, Dict, List

import pytest

import vibergate
from vibergate import _native
from vibergate.errors import ERROR_CLASSES

TABLES: Dict[str, Any] = json.loads(_native.tables())


def operations(on: str) -> List[Dict[str, Any]]:
    return [op for op in TABLES["operations"] if on in op["on"]]


def parameters(method: Any) -> List[str]:
    return [p.name for p in inspect.signature(method).parameters.values() if p.name != "self"]


def test_the_tables_are_the_cores() -> None:
    assert TABLES["version"] == vibergate.__version__
    assert operations("client") and operations("router")
    assert TABLES["providers"] == ["smsclub", "smsby", "decisiontelecom", "inteltele"]


@pytest.mark.parametrize("cls", [vibergate.Client, vibergate.AsyncClient])
def test_every_client_operation_has_a_method(cls: type) -> None:
    missing = [op["name"] for op in operations("client") if not callable(getattr(cls, op["name"], None))]
    assert not missing, f"{cls.__name__} lacks {missing}"


def test_every_router_operation_has_a_method() -> None:
    missing = [op["name"] for op in operations("router") if not callable(getattr(vibergate.Router, op["name"], None))]
    assert not missing, f"Router lacks {missing}"


def test_async_methods_are_coroutines_with_the_same_parameters() -> None:
    for op in operations("client"):
        sync, coro = getattr(vibergate.Client, op["name"]), getattr(vibergate.AsyncClient, op["name"])
        assert asyncio.iscoroutinefunction(coro), op["name"]
        assert parameters(coro) == parameters(sync), op["name"]


def test_the_acting_operations_are_the_table_s() -> None:
    """`LateResult` reports the late outcome of exactly the operations the table says may act
    at the provider (its `acts` column), and those include every send."""
    acting = {op["name"] for op in operations("client") if op["acts"]}
    assert vibergate.client._acting() == acting
    assert {"send", "send_personalized", "send_to_list"} <= acting


def test_positional_arguments_have_the_tables_names() -> None:
    """An operation whose argument object has named keys takes them under the same names, in
    the table's order (`chat(chat_id, page)`, `mailings(offset, limit)`)."""
    for op in operations("client"):
        if op["input"] == "message":
            continue
        assert parameters(getattr(vibergate.Client, op["name"])) == op["args"], op["name"]


def test_one_exception_class_per_error_code() -> None:
    assert sorted(ERROR_CLASSES) == sorted(TABLES["error_codes"])
    for code, cls in ERROR_CLASSES.items():
        assert cls.code == code and issubclass(cls, vibergate.VibergateError)
        assert getattr(vibergate, cls.__name__) is cls, f"{cls.__name__} is not exported"


def test_delivery_states_are_the_cores() -> None:
    states = TABLES["delivery_states"]
    assert [s.value for s in vibergate.DeliveryState] == [s["name"] for s in states]
    for s in states:
        assert vibergate.DeliveryState(s["name"]).is_final is s["final"], s["name"]


def test_an_unknown_operation_is_unsupported_with_a_hint(sandbox: vibergate.Sandbox) -> None:
    client = sandbox.client("smsclub")
    with client._gate as native:
        with pytest.raises(vibergate.UnsupportedError) as e:
            vibergate.client._native_call(native.call, "sned", "{}")
    assert e.value.field == "operation" and 'did you mean "send"' in e.value.message


def test_the_core_owns_the_defaults(sandbox: vibergate.Sandbox) -> None:
    client = sandbox.client("smsby")
    listed = client.send_to_list("1", text="News")
    assert client.confirm_mailing(listed.mailing_id) is None
    assert client.mailings()  # no limit given: the core's default
    client.mailings(offset=1, limit=2)
    asked = [r["body"] for r in sandbox.requests() if "getViberMessages" in r["path"]]
    assert len(asked) == 2 and "limit_rows=" in asked[0], asked
    assert "limit_offset=1" in asked[1] and "limit_rows=2" in asked[1], asked


def test_from_env_treats_empty_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(vibergate.DSN_ENV, "  ")
    with pytest.raises(vibergate.InvalidConfigError) as e:
        vibergate.Client.from_env()
    assert e.value.field == "VIBERGATE_DSN" and "not set" in e.value.message


def test_a_router_chain_is_split_by_the_core(sandbox: vibergate.Sandbox) -> None:
    chain = f"  {sandbox.dsn('smsclub')} ||  || {sandbox.dsn('decisiontelecom')} "
    with vibergate.Router(chain) as router:
        assert [c.provider for c in router.clients] == ["smsclub", "decisiontelecom"]


def test_an_unknown_provider_is_one_error(sandbox: vibergate.Sandbox) -> None:
    for call in (lambda: sandbox.dsn("smsclib"), lambda: vibergate.parse_webhook("smsclib", body="{}")):
        with pytest.raises(vibergate.InvalidMessageError) as e:
            call()
        assert e.value.field == "provider" and 'did you mean "smsclub"' in e.value.message


def test_the_sandbox_gets_only_the_options_given() -> None:
    with vibergate.Sandbox(inteltele_credit=5.0) as sb:
        balance = vibergate.Client(sb.dsn("inteltele")).balance()
        # The balance is the core's default; the credit the one given.
        assert (balance.balance, balance.credit) == ("100.00", "5.00")
        # A port in use is the core's start error, naming the port.
        port = int(sb.base_url.rsplit(":", 1)[1].split("/")[0])
        with pytest.raises(vibergate.TransportError) as e:
            vibergate.Sandbox(port=port)
        assert f":{port}" in e.value.message
    with pytest.raises(vibergate.InvalidConfigError) as c:
        vibergate.client._native_call(_native.NativeSandbox, '{"step":1}')
    assert 'did you mean "step_ms"' in c.value.message
