"""The client: one provider, every operation of SPEC §6; and its asyncio twin."""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, TypeVar, Union

from . import _native
from .errors import InvalidConfigError, error_from_json
from .models import (
    Balance,
    BatchStatus,
    Button,
    Capabilities,
    Chat,
    ChatThread,
    DeliveryReport,
    InboundMessage,
    ListSend,
    Mailing,
    Message,
    PersonalizedItem,
    Rate,
    SendReport,
    SmsInfo,
    WebhookEvent,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

logger = logging.getLogger("vibergate")
R = TypeVar("R")

#: The environment variable :meth:`Client.from_env` reads.
DSN_ENV = "VIBERGATE_DSN"


def _native_call(fn: Callable[..., R], *args: Any) -> R:
    """Calls into the native module, turning its errors into the exception hierarchy. Every
    native entry catches Rust panics and raises them as code ``internal``: they arrive here as
    :class:`InternalError`, never as pyo3's ``PanicException`` (a ``BaseException``)."""
    try:
        return fn(*args)
    except _native.NativeError as e:
        raise error_from_json(str(e.args[0])) from None


_WAITS = {
    "rate_limit": "for a slot of the client's rate limit (rate_limit)",
    "retry_after": "for the time the provider asked for (Retry-After)",
    "backoff": "before retrying",
}


def _log_attempt(
    method: str,
    url: str,
    status: Optional[int],
    latency_ms: float,
    attempt: int,
    error: Optional[str],
    wait_reason: Optional[str] = None,
    wait_ms: Optional[float] = None,
) -> None:
    # The URL arrives with credentials already replaced by ***.
    if wait_reason is not None:
        # Waits are visible: a call that is slow because of a rate limit says so.
        logger.info(
            "waiting %.1f s %s: %s %s (attempt %d)",
            (wait_ms or 0.0) / 1000.0,
            _WAITS.get(wait_reason, wait_reason),
            method,
            url,
            attempt,
        )
        return
    if logger.isEnabledFor(logging.DEBUG):
        outcome = str(status) if status is not None else f"failed ({error})"
        logger.debug("%s %s -> %s in %.1f ms (attempt %d)", method, url, outcome, latency_ms, attempt)


def _ids(ids: Union[str, Iterable[Union[str, int]]]) -> List[str]:
    return [ids] if isinstance(ids, str) else [str(i) for i in ids]


class Client:
    """A client of one provider, safe to share between threads.

    ``Client("smsclub://TOKEN@default?sender=Shop")`` or ``Client.smsclub(token=..., sender=...)``.
    Options have the names of SPEC §2 (``timeout_ms``, ``max_retries``, ``rate_limit``, …).
    """

    def __init__(self, dsn: str) -> None:
        self._native = _native_call(_native.NativeClient, dsn, _log_attempt)

    @classmethod
    def _from_config(cls, config: Dict[str, Any]) -> "Client":
        return cls(json.dumps({k: v for k, v in config.items() if v is not None}))

    @classmethod
    def smsclub(cls, *, token: str, **options: Any) -> "Client":
        return cls._from_config({"provider": "smsclub", "token": token, **options})

    @classmethod
    def smsby(cls, *, token: str, **options: Any) -> "Client":
        return cls._from_config({"provider": "smsby", "token": token, **options})

    @classmethod
    def decisiontelecom(cls, *, api_key: str, **options: Any) -> "Client":
        return cls._from_config({"provider": "decisiontelecom", "api_key": api_key, **options})

    @classmethod
    def inteltele(cls, *, username: str, api_key: str, **options: Any) -> "Client":
        return cls._from_config({"provider": "inteltele", "username": username, "api_key": api_key, **options})

    @classmethod
    def from_env(cls) -> "Client":
        """A client from the DSN in ``VIBERGATE_DSN``."""
        dsn = os.environ.get(DSN_ENV)
        if not dsn:
            raise InvalidConfigError({"code": "invalid_config", "message": f"{DSN_ENV} is not set", "field": DSN_ENV})
        return cls(dsn)

    @property
    def provider(self) -> str:
        return _native_call(self._native.provider)

    def to_dsn(self) -> str:
        """The configuration as a DSN with every secret replaced by ``***``."""
        return _native_call(self._native.to_dsn)

    def __repr__(self) -> str:
        return f"Client({self.to_dsn()!r})"

    # ---- operations ------------------------------------------------------------------------

    def send(self, message: Optional[Message] = None, /, **fields: Any) -> SendReport:
        """Sends a :class:`Message`, or one built from keyword arguments
        (``to=[…], text=…, sender=…, button=Button(…), sms_fallback="…"``)."""
        if message is None:
            message = Message(**fields)
        elif fields:
            raise TypeError("pass a Message or keyword arguments, not both")
        out = _native_call(self._native.send, json.dumps(message.to_dict()))
        return SendReport.from_dict(json.loads(out))

    def send_personalized(
        self,
        items: Iterable[Union[PersonalizedItem, Mapping[str, Any]]],
        *,
        sender: Optional[str] = None,
        image_url: Optional[str] = None,
        button_text: Optional[str] = None,
        ttl_seconds: Optional[int] = None,
        schedule: Optional[Any] = None,
        category: Optional[str] = None,
        callback_url: Optional[str] = None,
        label: Optional[str] = None,
    ) -> SendReport:
        """Sends each item its own text (and button link); the other fields are shared."""
        plain = [i.to_dict() if isinstance(i, PersonalizedItem) else dict(i) for i in items]
        shared = Message(schedule=schedule, category=category).to_dict()
        payload = {
            "items": plain,
            "sender": sender,
            "image_url": image_url,
            "button_text": button_text,
            "ttl_seconds": ttl_seconds,
            "schedule": shared.get("schedule"),
            "category": shared.get("category"),
            "callback_url": callback_url,
            "label": label,
        }
        out = _native_call(self._native.send_personalized, json.dumps({k: v for k, v in payload.items() if v is not None}))
        return SendReport.from_dict(json.loads(out))

    def status(self, ids: Union[str, Iterable[Union[str, int]]]) -> List[DeliveryReport]:
        """Delivery states of message ids, in the order asked."""
        out = _native_call(self._native.status, _ids(ids))
        return [DeliveryReport.from_dict(r) for r in json.loads(out)]

    def status_batch(self, batch_id: str) -> BatchStatus:
        """SMS.by: statuses of a mailing batch (``SendReport.batch_id``)."""
        return BatchStatus.from_dict(json.loads(_native_call(self._native.status_batch, batch_id)))

    def balance(self) -> Balance:
        """Intel-Tele: balance and credit."""
        return Balance.from_dict(json.loads(_native_call(self._native.balance)))

    def rates(self) -> List[Rate]:
        """Intel-Tele: the price list."""
        return [Rate.from_dict(r) for r in json.loads(_native_call(self._native.rates))]

    def chats(self, page: int = 1) -> List[Chat]:
        """SMS Club: one page of 2-way chats."""
        return [Chat.from_dict(c) for c in json.loads(_native_call(self._native.chats, page))]

    def chat(self, chat_id: str, page: int = 1) -> ChatThread:
        """SMS Club: one page of a chat's messages."""
        return ChatThread.from_dict(json.loads(_native_call(self._native.chat, chat_id, page)))

    def inbound(self, *, chat_id: Optional[str] = None, mailing_id: Optional[str] = None, page: Optional[int] = None) -> List[InboundMessage]:
        """Replies from recipients: SMS Club per chat, SMS.by per mailing."""
        query = {k: v for k, v in {"chat_id": chat_id, "mailing_id": mailing_id, "page": page}.items() if v is not None}
        return [InboundMessage.from_dict(m) for m in json.loads(_native_call(self._native.inbound, json.dumps(query)))]

    def capabilities(self) -> Capabilities:
        return Capabilities.from_dict(json.loads(_native_call(self._native.capabilities)))

    def send_to_list(
        self,
        list_id: str,
        *,
        sender: Optional[str] = None,
        text: Optional[str] = None,
        image_url: Optional[str] = None,
        button: Optional[Button] = None,
        label: Optional[str] = None,
        schedule_start: Optional[int] = None,
    ) -> ListSend:
        """SMS.by: a mailing to a stored list; it waits for :meth:`confirm_mailing`."""
        payload = {
            "list_id": str(list_id),
            "sender": sender,
            "text": text,
            "image_url": image_url,
            "button": button.to_dict() if button else None,
            "label": label,
            "schedule_start": schedule_start,
        }
        out = _native_call(self._native.send_to_list, json.dumps({k: v for k, v in payload.items() if v is not None}))
        return ListSend.from_dict(json.loads(out))

    def confirm_mailing(self, mailing_id: str) -> None:
        """SMS.by: confirms a mailing (the money is debited)."""
        _native_call(self._native.confirm_mailing, str(mailing_id))

    def mailings(self, offset: int = 0, limit: int = 100) -> List[Mailing]:
        return [Mailing.from_dict(m) for m in json.loads(_native_call(self._native.mailings, offset, limit))]

    def mailing(self, mailing_id: str) -> Mailing:
        return Mailing.from_dict(json.loads(_native_call(self._native.mailing, str(mailing_id))))

    def delivery_list(self, mailing_id: str) -> List[DeliveryReport]:
        return [DeliveryReport.from_dict(d) for d in json.loads(_native_call(self._native.delivery_list, str(mailing_id)))]

    def mark_inbound_read(self, ids: Union[str, Iterable[Union[str, int]]]) -> Optional[int]:
        """SMS.by: marks incoming messages read; returns how many, when SMS.by says."""
        return _native_call(self._native.mark_inbound_read, _ids(ids))


#: Concurrent coroutine calls beyond this wait for a thread; each client's own `max_in_flight`
#: and rate limit already bound how many requests are useful at once.
_MAX_THREADS = 64


@functools.lru_cache(maxsize=None)
def _executor() -> Any:
    """The threads :class:`AsyncClient` runs its calls on, made on first use. Not asyncio's
    default executor: it has min(32, CPUs + 4) threads, so on a small machine the seventh
    concurrent send would wait for one of the first six to come back from the network."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=_MAX_THREADS, thread_name_prefix="vibergate")


#: The operations that may act at the provider (send, confirm, mark read). When one of them
#: finishes after its caller stopped waiting, its outcome is a :class:`LateResult`.
_ACTING = frozenset({"send", "send_personalized", "send_to_list", "confirm_mailing", "mark_inbound_read"})


@dataclass(frozen=True)
class LateResult:
    """The outcome of an :class:`AsyncClient` call that may have acted at the provider (a send,
    ``send_personalized``, ``send_to_list``, ``confirm_mailing``, ``mark_inbound_read``) and
    finished after the coroutine awaiting it was cancelled, e.g. by ``asyncio.wait_for``.

    A request that has started cannot be called back: cancelling the coroutine stops the
    waiting, not the call, and the provider may still issue message ids. So the outcome is not
    dropped: it is logged at WARNING on the ``vibergate`` logger (naming every message id and
    every uncertain phone) and handed to the client's ``on_late_result`` callback as this object.
    Exactly one of ``result`` and ``error`` is set.
    """

    #: The method's name, e.g. ``"send"``.
    operation: str
    #: The provider the client is for.
    provider: str
    #: What the call returned: a :class:`SendReport`, a :class:`ListSend`, ``None``, ….
    result: Any = None
    #: What the call raised: a :class:`VibergateError` (its ``rejected`` lists recipients it
    #: refused).
    error: Optional[BaseException] = None

    @property
    def message_ids(self) -> List[str]:
        """Every message id (or SMS.by mailing id) the provider issued."""
        if isinstance(self.result, SendReport):
            return self.result.message_ids
        if isinstance(self.result, ListSend):
            return [self.result.mailing_id]
        return []

    @property
    def uncertain(self) -> List[str]:
        """The phones that may have been sent to (no answer came): never re-send them blindly."""
        if isinstance(self.result, SendReport):
            return [u.phone for u in self.result.uncertain]
        return []

    def describe(self) -> str:
        """One line for a log: the ids, the uncertain phones, or the error."""
        where = f"AsyncClient.{self.operation} ({self.provider})"
        if self.error is not None:
            return f"{where} failed after its caller stopped waiting: {self.error}"
        parts = []
        if isinstance(self.result, SendReport):
            accepted = ", ".join(f"{a.phone}={a.message_id}" for a in self.result.accepted)
            parts.append(f"accepted {len(self.result.accepted)} [{accepted}]")
            parts.append(f"message ids {self.message_ids}")
            parts.append(f"uncertain phones {self.uncertain}")
            parts.append(f"rejected {len(self.result.rejected)}")
        elif self.message_ids:
            parts.append(f"message ids {self.message_ids}")
        else:
            parts.append(f"result {self.result!r}")
        return f"{where} finished after its caller stopped waiting: " + "; ".join(parts)


LateResultCallback = Callable[[LateResult], object]


def _deliver_late(late: LateResult, callback: Optional[LateResultCallback]) -> None:
    """Logs a late outcome and hands it to the callback; a failing callback is logged, never
    raised (it runs on a worker thread, where nobody could catch it)."""
    logger.warning("%s%s", late.describe(), "" if callback else " (pass on_late_result= to AsyncClient to handle it)")
    if callback is not None:
        try:
            callback(late)
        except Exception:
            logger.exception("vibergate: the on_late_result callback raised")


def _async(method: Callable[..., R]) -> Callable[..., Any]:
    """The coroutine twin of a :class:`Client` method: runs it on a worker thread (the native
    call releases the GIL, so the event loop keeps running). When the coroutine is cancelled
    while an acting call is running, the call's outcome becomes a :class:`LateResult`."""
    name = method.__name__
    acting = name in _ACTING

    @functools.wraps(method)
    async def run(self: "AsyncClient", *args: Any, **kwargs: Any) -> R:
        import asyncio  # imported on first use: it costs more than the rest of the package

        call = _executor().submit(method, self._client, *args, **kwargs)
        try:
            return await asyncio.wrap_future(call)
        except asyncio.CancelledError:
            # Succeeds only while the call waits for a thread: then nothing was sent.
            call.cancel()
            if acting and not call.cancelled():
                # Runs on the worker thread when the call ends (at once if it already has).
                call.add_done_callback(functools.partial(_on_done, name, self._client.provider, self.on_late_result))
            raise

    return run


def _on_done(operation: str, provider: str, callback: Optional[LateResultCallback], call: Future[Any]) -> None:
    error = call.exception()
    late = LateResult(operation, provider, None if error is not None else call.result(), error)
    _deliver_late(late, callback)


class AsyncClient:
    """:class:`Client` for asyncio: the same methods, as coroutines, run on worker threads.

    Cancelling a coroutine (``asyncio.wait_for`` timing out, a task cancelled) stops the waiting,
    not the request: a send that has started runs to its end, and the provider may issue ids.
    Such a late outcome is never dropped: it is logged at WARNING on the ``vibergate`` logger
    with every message id and every uncertain phone, and handed as a :class:`LateResult` to
    ``on_late_result``, if given. The callback runs on a vibergate worker thread (or on the
    event loop's thread, when the call had just finished as it was cancelled): make it
    thread-safe, and use ``loop.call_soon_threadsafe`` to reach asyncio objects. Its exceptions
    are logged, not raised. Bound a send with the ``deadline_ms`` option rather than by
    cancelling it.
    """

    #: Receives the :class:`LateResult` of an acting call that finished after its caller was
    #: cancelled; ``None`` leaves only the WARNING log.
    on_late_result: Optional[LateResultCallback]

    def __init__(self, dsn: str, *, on_late_result: Optional[LateResultCallback] = None) -> None:
        self._client = Client(dsn)
        self.on_late_result = on_late_result

    @classmethod
    def wrap(cls, client: Client, *, on_late_result: Optional[LateResultCallback] = None) -> "AsyncClient":
        instance = cls.__new__(cls)
        instance._client = client
        instance.on_late_result = on_late_result
        return instance

    @classmethod
    def smsclub(cls, *, token: str, on_late_result: Optional[LateResultCallback] = None, **options: Any) -> "AsyncClient":
        return cls.wrap(Client.smsclub(token=token, **options), on_late_result=on_late_result)

    @classmethod
    def smsby(cls, *, token: str, on_late_result: Optional[LateResultCallback] = None, **options: Any) -> "AsyncClient":
        return cls.wrap(Client.smsby(token=token, **options), on_late_result=on_late_result)

    @classmethod
    def decisiontelecom(cls, *, api_key: str, on_late_result: Optional[LateResultCallback] = None, **options: Any) -> "AsyncClient":
        return cls.wrap(Client.decisiontelecom(api_key=api_key, **options), on_late_result=on_late_result)

    @classmethod
    def inteltele(
        cls, *, username: str, api_key: str, on_late_result: Optional[LateResultCallback] = None, **options: Any
    ) -> "AsyncClient":
        return cls.wrap(Client.inteltele(username=username, api_key=api_key, **options), on_late_result=on_late_result)

    @classmethod
    def from_env(cls, *, on_late_result: Optional[LateResultCallback] = None) -> "AsyncClient":
        return cls.wrap(Client.from_env(), on_late_result=on_late_result)

    @property
    def provider(self) -> str:
        return self._client.provider

    def to_dsn(self) -> str:
        return self._client.to_dsn()

    def __repr__(self) -> str:
        return f"AsyncClient({self.to_dsn()!r})"

    send = _async(Client.send)
    send_personalized = _async(Client.send_personalized)
    status = _async(Client.status)
    status_batch = _async(Client.status_batch)
    balance = _async(Client.balance)
    rates = _async(Client.rates)
    chats = _async(Client.chats)
    chat = _async(Client.chat)
    inbound = _async(Client.inbound)
    capabilities = _async(Client.capabilities)
    send_to_list = _async(Client.send_to_list)
    confirm_mailing = _async(Client.confirm_mailing)
    mailings = _async(Client.mailings)
    mailing = _async(Client.mailing)
    delivery_list = _async(Client.delivery_list)
    mark_inbound_read = _async(Client.mark_inbound_read)


def parse_webhook(
    provider: str,
    *,
    method: str = "POST",
    query: Union[str, Mapping[str, str], Iterable[Any], None] = None,
    body: Union[bytes, str, None] = None,
    content_type: Optional[str] = None,
    secret: Optional[str] = None,
    callback_url: Optional[str] = None,
) -> List[WebhookEvent]:
    """The events in a provider's callback, e.g. in a Flask view:
    ``parse_webhook("inteltele", method=request.method, query=request.args, body=request.get_data(),
    content_type=request.content_type)``. With ``secret`` (the client's ``webhook_secret``) and the
    ``callback_url`` given to ``send``, a callback without the right ``vg_token`` raises
    :class:`AuthError`."""
    if isinstance(query, Mapping):
        query_value: Any = {str(k): str(v) for k, v in query.items()}
    elif query is None or isinstance(query, str):
        query_value = query or ""
    else:
        query_value = [[str(pair[0]), str(pair[1])] for pair in query]
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else (body or "")
    request = {"method": method, "query": query_value, "body": text, "content_type": content_type, "secret": secret, "callback_url": callback_url}
    out = _native_call(_native.parse_webhook, provider, json.dumps(request))
    return [WebhookEvent.from_dict(e) for e in json.loads(out)]


def sms_info(text: str) -> SmsInfo:
    """Counts an SMS text offline: GSM-7 or UCS-2, characters, segments."""
    return SmsInfo.from_dict(json.loads(_native_call(_native.sms_info, text)))
