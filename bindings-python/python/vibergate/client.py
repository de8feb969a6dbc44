"""The client: one provider, every operation; and its asyncio twin."""

from __future__ import annotations

import functools
import json
import logging
import sys
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Coroutine,
    Dict,
    FrozenSet,
    Generic,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Protocol,
    Tuple,
    Type,
    TypedDict,
    TypeVar,
    Union,
)

from . import _native
from .errors import ClosedError, error_from_json
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
    MessageFields,
    PersonalizedItem,
    Rate,
    SendReport,
    SmsInfo,
    WebhookEvent,
)

if sys.version_info >= (3, 11):
    from typing import Unpack
elif TYPE_CHECKING:  # Python 3.9 and 3.10: only type checkers need it
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from concurrent.futures import Future

    from typing_extensions import Concatenate, ParamSpec, Self

    P = ParamSpec("P")

logger = logging.getLogger("vibergate")
R = TypeVar("R")
T = TypeVar("T")

#: The environment variable :meth:`Client.from_env` reads (the core's name for it).
DSN_ENV: str = _native.DSN_ENV


class ClientOptions(TypedDict, total=False):
    """The options of ``Client.smsclub(token=..., **options)`` and its siblings: the DSN's
    query options, so that a type checker refuses a misspelt one (``sendr=``)."""

    sender: str
    sms_sender: str
    base_url: str
    timeout_ms: int
    connect_timeout_ms: int
    max_retries: int
    rate_limit: float
    max_in_flight: int
    allow_insecure_http: bool
    user_agent: str
    proxy: str
    utc_offset_minutes: int
    webhook_secret: str
    deadline_ms: int
    default_country: str
    shared_state: str
    shared_state_fallback: Literal["local", "fail"]
    workers: int


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


# Set while vibergate runs user code (a logging handler) on one of its own worker threads: a
# close() from there must not wait for the call that is running it.
_in_callback = threading.local()


def _log_attempt(*args: Any) -> None:
    _in_callback.depth = getattr(_in_callback, "depth", 0) + 1
    try:
        _log_record(*args)
    finally:
        _in_callback.depth -= 1


def _log_record(
    method: str,
    url: str,
    status: Optional[int],
    latency_ms: float,
    attempt: int,
    error: Optional[str],
    wait_reason: Optional[str] = None,
    wait_ms: Optional[float] = None,
    notice: Optional[Tuple[bool, str]] = None,
) -> None:
    # The URL arrives with credentials already replaced by ***.
    if notice is not None:
        # The client's shared state became unreachable (limits are this process's own until it
        # is back) or reachable again.
        warning, text = notice
        logger.log(logging.WARNING if warning else logging.INFO, "%s", text)
        return
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


def _given(**args: Any) -> Dict[str, Any]:
    """An argument object of the core's operation table with only the arguments given: the
    core owns the defaults (``page`` 1, ``limit`` of ``mailings``, …)."""
    return {k: v for k, v in args.items() if v is not None}


class _Calls(Protocol):
    def call(self, operation: str, args: str, /) -> str: ...


_C = TypeVar("_C", bound=_Calls)


def _call(gate: _Gate[_C], operation: str, args: Mapping[str, Any]) -> Any:
    """Runs ``operation`` of the core's operation table through the native ``call`` and returns
    its JSON result, parsed."""
    with gate as native:
        out = _native_call(native.call, operation, json.dumps(args))
    return json.loads(out)


class _Gate(Generic[T]):
    """Guards a native object: counts the calls using it, refuses new ones once closing, and
    lets :meth:`close` wait for those in flight before letting the object go.

    ``with gate as native:`` admits one call on this thread. A call admitted ahead of time for
    another thread (an :class:`AsyncClient` call waiting for a worker: ``acquire(here=False)``)
    runs inside :meth:`admitted` on its worker, where a close that came in between does not
    refuse it: it was in flight already.
    """

    def __init__(self, native: T, owner: str) -> None:
        self._native: Optional[T] = native
        self._owner = owner
        self._closing = False
        self._calls = 0
        self._idle = threading.Condition(threading.Lock())
        self._local = threading.local()

    @property
    def closed(self) -> bool:
        return self._closing

    def _depth(self) -> int:
        depth: int = getattr(self._local, "depth", 0)
        return depth

    def acquire(self, *, here: bool = True) -> T:
        """Admits one call, released by :meth:`release` with the same ``here``; raises
        :class:`ClosedError` once :meth:`close` has begun. ``here=False`` admits a call that
        another thread will make (in :meth:`admitted`)."""
        admitted = here and getattr(self._local, "admitted", False)
        with self._idle:
            native = self._native
            if native is None or (self._closing and not admitted):
                raise ClosedError(
                    {
                        "code": "invalid_config",
                        "message": f"this {self._owner} is closed (close(), or the end of its with block): "
                        f"make a new {self._owner} for more calls",
                    }
                )
            self._calls += 1
        if here:
            self._local.depth = self._depth() + 1
        return native

    def release(self, *, here: bool = True) -> None:
        if here:
            self._local.depth = self._depth() - 1
        with self._idle:
            self._calls -= 1
            if self._calls == 0:
                if self._closing:
                    self._native = None
                self._idle.notify_all()

    def __enter__(self) -> T:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def admitted(self, call: Callable[[], R]) -> R:
        """Runs ``call``, admitted ahead of time with ``acquire(here=False)``, on this thread."""
        self._local.admitted = True
        try:
            return call()
        finally:
            self._local.admitted = False

    def close(self) -> None:
        """Refuses new calls, waits for those in flight, then lets the native object go. From
        a logging handler that vibergate runs on one of its own threads, it only refuses new
        calls: the native object goes when the last call in flight ends."""
        if self._depth() > 0:
            raise RuntimeError(f"close() of a {self._owner} inside one of its own calls would wait for itself")
        with self._idle:
            self._closing = True
            if getattr(_in_callback, "depth", 0) > 0:
                if self._calls == 0:
                    self._native = None
                return
            self._idle.wait_for(lambda: self._calls == 0)
            self._native = None


class _Closable(Generic[T]):
    """``with obj:`` and :attr:`closed` for an object that guards its native side with a
    :class:`_Gate` and defines :meth:`close`."""

    _gate: _Gate[T]

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._gate.closed

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()


class Client(_Closable[_native.NativeClient]):
    """A client of one provider, safe to share between threads.

    ``Client("smsclub://TOKEN@default?sender=Shop")`` or ``Client.smsclub(token=..., sender=...)``.
    Options have the names of the DSN's query options (``timeout_ms``, ``max_retries``,
    ``rate_limit``, …; :class:`ClientOptions`).

    A client holds a connection pool: use it as a context manager (``with Client(...) as
    client:``) or call :meth:`close` when done. Closing waits for the calls in flight on other
    threads; a call made after it raises :class:`ClosedError`.
    """

    def __init__(self, dsn: str) -> None:
        native = _native_call(_native.NativeClient, dsn, _log_attempt)
        self._gate = _Gate(native, "Client")
        # Kept for repr and provider after close.
        self._provider: str = native.provider()
        self._dsn: str = native.to_dsn()

    @classmethod
    def _from_config(cls, config: Dict[str, Any]) -> "Client":
        return cls(json.dumps({k: v for k, v in config.items() if v is not None}))

    @classmethod
    def smsclub(cls, *, token: str, **options: Unpack[ClientOptions]) -> "Client":
        return cls._from_config({"provider": "smsclub", "token": token, **options})

    @classmethod
    def smsby(cls, *, token: str, **options: Unpack[ClientOptions]) -> "Client":
        return cls._from_config({"provider": "smsby", "token": token, **options})

    @classmethod
    def decisiontelecom(cls, *, api_key: str, **options: Unpack[ClientOptions]) -> "Client":
        return cls._from_config({"provider": "decisiontelecom", "api_key": api_key, **options})

    @classmethod
    def inteltele(cls, *, username: str, api_key: str, **options: Unpack[ClientOptions]) -> "Client":
        return cls._from_config({"provider": "inteltele", "username": username, "api_key": api_key, **options})

    @classmethod
    def from_env(cls) -> "Client":
        """A client from the DSN in ``VIBERGATE_DSN``; unset or empty raises
        :class:`InvalidConfigError` (the core's one rule)."""
        return cls(_native_call(_native.dsn_from_env))

    @property
    def provider(self) -> str:
        return self._provider

    def to_dsn(self) -> str:
        """The configuration as a DSN with every secret replaced by ``***``."""
        return self._dsn

    def __repr__(self) -> str:
        return f"Client({self._dsn!r}{', closed' if self.closed else ''})"

    # ---- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Waits for the calls in flight on other threads, then releases the client's
        connections. Later calls raise :class:`ClosedError`; closing again does nothing. A
        :class:`Router` built with this client keeps working (it holds its own reference)."""
        self._gate.close()

    # ---- operations ------------------------------------------------------------------------

    def send(self, message: Optional[Message] = None, /, **fields: Unpack[MessageFields]) -> SendReport:
        """Sends a :class:`Message`, or one built from keyword arguments
        (``to=[…], text=…, sender=…, button=Button(…), sms_fallback="…"``; see
        :class:`MessageFields`)."""
        if message is None:
            message = Message(**fields)
        elif fields:
            raise TypeError("pass a Message or keyword arguments, not both")
        return SendReport.from_dict(_call(self._gate, "send", message.to_dict()))

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
        return SendReport.from_dict(_call(self._gate, "send_personalized", _given(**payload)))

    def status(self, ids: Union[str, Iterable[Union[str, int]]]) -> List[DeliveryReport]:
        """Delivery states of message ids, in the order asked."""
        return [DeliveryReport.from_dict(r) for r in _call(self._gate, "status", {"ids": _ids(ids)})]

    def status_batch(self, batch_id: str) -> BatchStatus:
        """SMS.by: statuses of a mailing batch (``SendReport.batch_id``)."""
        return BatchStatus.from_dict(_call(self._gate, "status_batch", {"batch_id": batch_id}))

    def balance(self) -> Balance:
        """Intel-Tele: balance and credit."""
        return Balance.from_dict(_call(self._gate, "balance", {}))

    def rates(self) -> List[Rate]:
        """Intel-Tele: the price list."""
        return [Rate.from_dict(r) for r in _call(self._gate, "rates", {})]

    def chats(self, page: int = 1) -> List[Chat]:
        """SMS Club: one page of 2-way chats."""
        return [Chat.from_dict(c) for c in _call(self._gate, "chats", {"page": page})]

    def chat(self, chat_id: str, page: int = 1) -> ChatThread:
        """SMS Club: one page of a chat's messages."""
        return ChatThread.from_dict(_call(self._gate, "chat", {"chat_id": chat_id, "page": page}))

    def inbound(self, *, chat_id: Optional[str] = None, mailing_id: Optional[str] = None, page: Optional[int] = None) -> List[InboundMessage]:
        """Replies from recipients: SMS Club per chat, SMS.by per mailing."""
        query = _given(chat_id=chat_id, mailing_id=mailing_id, page=page)
        return [InboundMessage.from_dict(m) for m in _call(self._gate, "inbound", query)]

    def capabilities(self) -> Capabilities:
        return Capabilities.from_dict(_call(self._gate, "capabilities", {}))

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
        return ListSend.from_dict(_call(self._gate, "send_to_list", _given(**payload)))

    def confirm_mailing(self, mailing_id: str) -> None:
        """SMS.by: confirms a mailing (the money is debited)."""
        # The core answers {"confirmed": mailing_id}; this method has always returned None.
        _call(self._gate, "confirm_mailing", {"mailing_id": str(mailing_id)})

    def mailings(self, offset: int = 0, limit: Optional[int] = None) -> List[Mailing]:
        """SMS.by: the account's mailings, ``limit`` of them (the core's default when not
        given) from ``offset``."""
        args = _given(offset=offset, limit=limit)
        return [Mailing.from_dict(m) for m in _call(self._gate, "mailings", args)]

    def mailing(self, mailing_id: str) -> Mailing:
        return Mailing.from_dict(_call(self._gate, "mailing", {"mailing_id": str(mailing_id)}))

    def delivery_list(self, mailing_id: str) -> List[DeliveryReport]:
        return [DeliveryReport.from_dict(d) for d in _call(self._gate, "delivery_list", {"mailing_id": str(mailing_id)})]

    def mark_inbound_read(self, ids: Union[str, Iterable[Union[str, int]]]) -> Optional[int]:
        """SMS.by: marks incoming messages read; returns how many, when SMS.by says."""
        marked: Optional[int] = _call(self._gate, "mark_inbound_read", {"ids": _ids(ids)})["marked"]
        return marked


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


@functools.lru_cache(maxsize=None)
def _acting() -> FrozenSet[str]:
    """The operations that may act at the provider (the table's ``acts`` column: send, confirm,
    mark read). When one of them finishes after its caller stopped waiting, its outcome is a
    :class:`LateResult`."""
    tables = json.loads(_native_call(_native.tables))
    return frozenset(op["name"] for op in tables["operations"] if op["acts"])


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


def _async(
    method: Callable[Concatenate[Client, P], R],
) -> Callable[Concatenate[AsyncClient, P], Coroutine[Any, Any, R]]:
    """The coroutine twin of a :class:`Client` method, with its signature: runs it on a worker
    thread (the native call releases the GIL, so the event loop keeps running). The call is
    admitted (or refused with :class:`ClosedError`) when the coroutine starts, so that
    :meth:`AsyncClient.aclose` waits for it even while it waits for a thread. When the coroutine
    is cancelled while an acting call is running, the call's outcome becomes a
    :class:`LateResult`."""
    name = method.__name__
    acting = name in _acting()

    @functools.wraps(method)
    async def run(self: AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        import asyncio  # imported on first use: it costs more than the rest of the package

        client = self._client
        gate = client._gate
        gate.acquire(here=False)
        finish = _Finish(gate)
        try:
            call = _executor().submit(gate.admitted, functools.partial(method, client, *args, **kwargs))
        except BaseException:
            gate.release(here=False)
            raise
        # Also when the call is cancelled before it started.
        call.add_done_callback(finish)
        try:
            return await asyncio.wrap_future(call)
        except asyncio.CancelledError:
            # Succeeds only while the call waits for a thread: then nothing was sent.
            call.cancel()
            if acting and not call.cancelled():
                # Runs on the worker thread when the call ends (at once if it already has).
                finish.then(functools.partial(_on_done, name, client.provider, self.on_late_result), call)
            raise

    return run


class _Finish:
    """The end of an :class:`AsyncClient` call: delivers its late outcome, if its caller was
    cancelled, and only then releases its slot, so that ``aclose`` returns after every late
    outcome was handed over."""

    def __init__(self, gate: _Gate[Any]) -> None:
        self._gate = gate
        self._lock = threading.Lock()
        self._done = False
        self._late: Optional[Callable[[Future[Any]], None]] = None

    def __call__(self, call: Future[Any]) -> None:
        with self._lock:
            self._done = True
            late = self._late
        try:
            if late is not None:
                late(call)
        finally:
            self._gate.release(here=False)

    def then(self, late: Callable[[Future[Any]], None], call: Future[Any]) -> None:
        """Delivers ``late`` when the call ends, or now if it has."""
        with self._lock:
            if not self._done:
                self._late = late
                return
        late(call)


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
    def smsclub(cls, *, token: str, on_late_result: Optional[LateResultCallback] = None, **options: Unpack[ClientOptions]) -> "AsyncClient":
        return cls.wrap(Client.smsclub(token=token, **options), on_late_result=on_late_result)

    @classmethod
    def smsby(cls, *, token: str, on_late_result: Optional[LateResultCallback] = None, **options: Unpack[ClientOptions]) -> "AsyncClient":
        return cls.wrap(Client.smsby(token=token, **options), on_late_result=on_late_result)

    @classmethod
    def decisiontelecom(cls, *, api_key: str, on_late_result: Optional[LateResultCallback] = None, **options: Unpack[ClientOptions]) -> "AsyncClient":
        return cls.wrap(Client.decisiontelecom(api_key=api_key, **options), on_late_result=on_late_result)

    @classmethod
    def inteltele(
        cls, *, username: str, api_key: str, on_late_result: Optional[LateResultCallback] = None, **options: Unpack[ClientOptions]
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
        return f"AsyncClient({self.to_dsn()!r}{', closed' if self.closed else ''})"

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` (or the wrapped client's ``close``) was called."""
        return self._client.closed

    async def aclose(self) -> None:
        """Waits for the calls in flight (also those still waiting for a thread, and those whose
        caller was cancelled), without blocking the event loop, then releases the client's
        connections. Later calls raise :class:`ClosedError`. Closes the wrapped :class:`Client`
        too, for a client made by :meth:`wrap`."""
        import asyncio

        await asyncio.get_running_loop().run_in_executor(None, self._client.close)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        await self.aclose()

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
