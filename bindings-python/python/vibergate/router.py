"""Failover across providers (SPEC §10): a recipient moves to the next provider only when the
previous one certainly did not send to it."""

from __future__ import annotations

import json
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from . import _native
from .client import Client, _native_call
from .models import DeliveryReport, Message, PersonalizedItem, RoutedAccepted, RoutedReport


class Router:
    """Clients in order of preference.

    ``Router("smsclub://…@default || decisiontelecom://…@default")`` or
    ``Router(client_a, client_b, cooldown_ms=60_000)``.
    """

    def __init__(self, *targets: Union[Client, str], cooldown_ms: Optional[int] = None) -> None:
        clients: List[Client] = []
        for target in targets:
            if isinstance(target, Client):
                clients.append(target)
            else:
                clients.extend(Client(dsn.strip()) for dsn in target.split("||") if dsn.strip())
        self._clients = clients
        self._native = _native_call(_native.NativeRouter, [c._native for c in clients], cooldown_ms)

    @property
    def clients(self) -> List[Client]:
        return list(self._clients)

    def to_dsn(self) -> str:
        return _native_call(self._native.to_dsn)

    def __repr__(self) -> str:
        return f"Router({self.to_dsn()!r})"

    def send(self, message: Optional[Message] = None, /, **fields: Any) -> RoutedReport:
        if message is None:
            message = Message(**fields)
        elif fields:
            raise TypeError("pass a Message or keyword arguments, not both")
        return RoutedReport.from_dict(json.loads(_native_call(self._native.send, json.dumps(message.to_dict()))))

    def send_personalized(self, items: Iterable[Union[PersonalizedItem, Mapping[str, Any]]], **shared: Any) -> RoutedReport:
        payload = {"items": [i.to_dict() if isinstance(i, PersonalizedItem) else dict(i) for i in items], **shared}
        payload = {k: v for k, v in payload.items() if v is not None}
        return RoutedReport.from_dict(json.loads(_native_call(self._native.send_personalized, json.dumps(payload))))

    def status(self, ids: Iterable[Union[RoutedAccepted, Tuple[str, str]]]) -> List[DeliveryReport]:
        """States of routed ids (a routed report's ``accepted`` or ``message_ids``); each provider
        is asked about its own."""
        plain = [
            {"provider": i.provider, "message_id": i.message_id} if isinstance(i, RoutedAccepted) else {"provider": i[0], "message_id": i[1]}
            for i in ids
        ]
        return [DeliveryReport.from_dict(r) for r in json.loads(_native_call(self._native.status, json.dumps(plain)))]

    def reset_cooldowns(self) -> None:
        _native_call(self._native.reset_cooldowns)
