"""Failover across providers: a recipient moves to the next provider only when the
previous one certainly did not send to it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from .client import Client, _call, _Closable, _Gate, _native_call
from .models import DeliveryReport, Message, MessageFields, PersonalizedFields, PersonalizedItem, RoutedAccepted, RoutedReport

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.9 and 3.10: only type checkers need it
    from typing_extensions import Unpack


class Router(_Closable[_native.NativeRouter]):
    """Clients in order of preference.

    ``Router("smsclub://…@default || decisiontelecom://…@default")`` or
    ``Router(client_a, client_b, cooldown_ms=60_000)``.

    Use it as a context manager (``with Router(...) as router:``) or call :meth:`close` when
    done: closing waits for the calls in flight, then closes the clients the router made from
    DSNs (never the :class:`Client` objects it was given); a call made after it raises
    :class:`ClosedError`.
    """

    def __init__(self, *targets: Union[Client, str], cooldown_ms: Optional[int] = None) -> None:
        clients: List[Client] = []
        owned: List[Client] = []
        try:
            for target in targets:
                if isinstance(target, Client):
                    clients.append(target)
                else:
                    # A chain of DSNs, split by the core's rule; a client made here is owned.
                    for dsn in _native_call(_native.split_chain, target):
                        made = Client(dsn)
                        owned.append(made)
                        clients.append(made)
            natives = []
            for client in clients:
                with client._gate as native:
                    natives.append(native)
            router = _native_call(_native.NativeRouter, natives, cooldown_ms)
        except BaseException:
            for client in owned:
                client.close()
            raise
        self._clients = clients
        self._owned = owned
        self._gate = _Gate(router, "Router")
        self._dsn: str = router.to_dsn()

    @property
    def clients(self) -> List[Client]:
        return list(self._clients)

    def to_dsn(self) -> str:
        return self._dsn

    def __repr__(self) -> str:
        return f"Router({self._dsn!r}{', closed' if self.closed else ''})"

    # ---- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Waits for the calls in flight on other threads, then closes the clients made from
        DSNs. Later calls raise :class:`ClosedError`; closing again does nothing."""
        self._gate.close()
        for client in self._owned:
            client.close()

    # ---- operations ------------------------------------------------------------------------

    def send(self, message: Optional[Message] = None, /, **fields: Unpack[MessageFields]) -> RoutedReport:
        """Sends a :class:`Message`, or one built from keyword arguments (:class:`MessageFields`)."""
        if message is None:
            message = Message(**fields)
        elif fields:
            raise TypeError("pass a Message or keyword arguments, not both")
        return RoutedReport.from_dict(_call(self._gate, "send", message.to_dict()))

    def send_personalized(
        self, items: Iterable[Union[PersonalizedItem, Mapping[str, Any]]], **shared: Unpack[PersonalizedFields]
    ) -> RoutedReport:
        """Sends each item its own text (and button link); the other fields are shared."""
        plain: Any = {"items": [i.to_dict() if isinstance(i, PersonalizedItem) else dict(i) for i in items]}
        schedule_and_category = Message(schedule=shared.get("schedule"), category=shared.get("category")).to_dict()
        for key, value in shared.items():
            if value is not None:
                plain[key] = schedule_and_category.get(key, value) if key in ("schedule", "category") else value
        return RoutedReport.from_dict(_call(self._gate, "send_personalized", plain))

    def status(self, ids: Iterable[Union[RoutedAccepted, Tuple[str, str]]]) -> List[DeliveryReport]:
        """States of routed ids (a routed report's ``accepted`` or ``message_ids``); each provider
        is asked about its own."""
        plain = [
            {"provider": i.provider, "message_id": i.message_id} if isinstance(i, RoutedAccepted) else {"provider": i[0], "message_id": i[1]}
            for i in ids
        ]
        return [DeliveryReport.from_dict(r) for r in _call(self._gate, "status", {"ids": plain})]

    def reset_cooldowns(self) -> None:
        with self._gate as native:
            _native_call(native.reset_cooldowns)
