"""The exception hierarchy: one class per error code, all under :class:`VibergateError`."""

from __future__ import annotations

import builtins
import json
from typing import Any, Dict, List, Optional, Type

from .models import Rejected


class VibergateError(Exception):
    """Base of every vibergate error.

    ``code`` is the stable error code (``"auth"``, ``"rate_limited"``, …); the other attributes
    say where it came from. No attribute ever contains a credential.
    """

    code: str = "internal"

    def __init__(self, details: Dict[str, Any]) -> None:
        self.details = details
        self.code = details.get("code", type(self).code)
        self.message: str = details.get("message", "")
        self.provider: Optional[str] = details.get("provider")
        self.http_status: Optional[int] = details.get("http_status")
        code = details.get("provider_code")
        self.provider_code: Optional[str] = None if code is None else str(code)
        self.field: Optional[str] = details.get("field")
        self.retry_after_ms: Optional[int] = details.get("retry_after_ms")
        self.body: Optional[str] = details.get("body")
        self.rejected: List[Rejected] = [Rejected.from_dict(r) for r in details.get("rejected", [])]
        #: Every provider a router tried, when a routed send failed as a whole.
        self.attempts: List[Dict[str, Any]] = list(details.get("attempts", []))
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f" ({self.provider})" if self.provider else ""
        field = f" [field: {self.field}]" if self.field else ""
        return f"{self.code}{where}: {self.message}{field}"

    def to_dict(self) -> Dict[str, Any]:
        return dict(self.details)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._describe()!r})"


class InvalidConfigError(VibergateError, ValueError):
    code = "invalid_config"


class ClosedError(InvalidConfigError):
    """A call on a :class:`Client`, :class:`AsyncClient` or :class:`Router` after its
    ``close()``/``aclose()`` (or the end of its ``with`` block). Its ``code`` is
    ``"invalid_config"``: the object can no longer be used; make a new one. Like a closed file's
    ``ValueError``, it is a mistake in the calling code, not a provider failure."""


class InvalidMessageError(VibergateError, ValueError):
    code = "invalid_message"


class UnsupportedError(VibergateError):
    code = "unsupported"


class NoValidRecipientsError(VibergateError, ValueError):
    code = "no_valid_recipients"


class AuthError(VibergateError):
    code = "auth"


class PermissionDeniedError(VibergateError):
    code = "permission_denied"


class InsufficientFundsError(VibergateError):
    code = "insufficient_funds"


class InvalidSenderError(VibergateError):
    code = "invalid_sender"


class InvalidTextError(VibergateError):
    code = "invalid_text"


class InvalidRequestError(VibergateError):
    code = "invalid_request"


class RateLimitedError(VibergateError):
    code = "rate_limited"


class ProviderError(VibergateError):
    code = "provider_error"


class TransportError(VibergateError, builtins.ConnectionError):
    code = "transport"


class TimeoutError(VibergateError, builtins.TimeoutError):  # noqa: A001 - the code's own name
    code = "timeout"


class DecodeError(VibergateError):
    code = "decode"


class InternalError(VibergateError):
    code = "internal"


ERROR_CLASSES: Dict[str, Type[VibergateError]] = {
    cls.code: cls
    for cls in (
        InvalidConfigError,
        InvalidMessageError,
        UnsupportedError,
        NoValidRecipientsError,
        AuthError,
        PermissionDeniedError,
        InsufficientFundsError,
        InvalidSenderError,
        InvalidTextError,
        InvalidRequestError,
        RateLimitedError,
        ProviderError,
        TransportError,
        TimeoutError,
        DecodeError,
        InternalError,
    )
}


def error_from_json(text: str) -> VibergateError:
    """The exception for an error JSON from the native module."""
    try:
        details = json.loads(text)
    except ValueError:
        details = {"code": "internal", "message": text}
    return ERROR_CLASSES.get(details.get("code", "internal"), InternalError)(details)
