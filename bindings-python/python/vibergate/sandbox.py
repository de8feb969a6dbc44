"""The provider emulator, for tests and for trying vibergate without an account."""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Dict, List, Optional, Type

from . import _native
from .client import AsyncClient, Client, LateResultCallback, _native_call


class Sandbox:
    """A local emulator of all four providers on one loopback port.

    ::

        with vibergate.Sandbox() as sb:
            client = vibergate.Client(sb.dsn("smsclub"))
            sb.inject("latency", provider="decisiontelecom", ms=200, count=8)

    Numbers ending ``0000`` are undeliverable, ``9999`` blacklisted, ``1111`` have no Viber (the
    SMS fallback is delivered), ``2222`` are read at once. A credential starting with ``bad`` is
    refused.
    """

    def __init__(
        self,
        *,
        port: Optional[int] = None,
        step_ms: Optional[int] = None,
        smsclub_rate_limit: Optional[int] = None,
        inteltele_balance: Optional[float] = None,
        inteltele_credit: Optional[float] = None,
        inteltele_callback_url: Optional[str] = None,
        inteltele_callback_method: Optional[str] = None,
    ) -> None:
        """Options left out (``None``) take the core's defaults, which live in the core's
        ``SandboxConfig`` only."""
        given = {
            "port": port,
            "step_ms": step_ms,
            "smsclub_rate_limit": smsclub_rate_limit,
            "inteltele_balance": inteltele_balance,
            "inteltele_credit": inteltele_credit,
            "inteltele_callback_url": inteltele_callback_url,
            "inteltele_callback_method": inteltele_callback_method,
        }
        config = {k: v for k, v in given.items() if v is not None}
        self._native = _native_call(_native.NativeSandbox, json.dumps(config))

    @property
    def base_url(self) -> str:
        return _native_call(self._native.base_url)

    def dsn(self, provider: str) -> str:
        """A DSN for ``provider`` pointing at this sandbox."""
        return _native_call(self._native.dsn, provider)

    def client(self, provider: str) -> Client:
        return Client(self.dsn(provider))

    def async_client(self, provider: str, *, on_late_result: Optional[LateResultCallback] = None) -> AsyncClient:
        return AsyncClient(self.dsn(provider), on_late_result=on_late_result)

    def requests(self) -> List[Dict[str, Any]]:
        """Every request received so far (``provider``, ``method``, ``path``, ``body``,
        ``status``, ``fault``, …)."""
        result: List[Dict[str, Any]] = json.loads(_native_call(self._native.requests))
        return result

    def inject(self, kind: str, *, provider: Optional[str] = None, count: int = 1, **params: Any) -> None:
        """Queues a fault for the next ``count`` requests (of ``provider``): ``latency`` (``ms``),
        ``status`` (``status``, ``body``), ``rate_limit`` (``retry_after``), ``drop_before_read``,
        ``drop_after_read``, ``malformed``, ``truncated``, ``empty``, ``large`` (``bytes``),
        ``content_type`` (``value``), ``slow_body`` (``ms_per_byte``)."""
        fault: Dict[str, Any] = {"kind": kind, "count": count, **params}
        if provider is not None:
            fault["provider"] = provider
        _native_call(self._native.inject, json.dumps(fault))

    def reset(self) -> None:
        _native_call(self._native.reset)

    def stop(self) -> None:
        _native_call(self._native.stop)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Sandbox({self.base_url!r})"
