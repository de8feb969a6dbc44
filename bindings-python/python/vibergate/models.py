"""Messages you send and results you get back.

Inputs (:class:`Message`, :class:`Button`, …) are plain dataclasses; results are frozen
dataclasses with equality, a secret-free ``repr`` and ``to_dict()`` giving the JSON shape of the
C ABI and of the CLI's ``--json`` (snake_case keys).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Dict, FrozenSet, List, Mapping, Optional, Tuple, Type, TypedDict, TypeVar, Union

from . import _native

T = TypeVar("T", bound="_Result")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, _Dict):
        return value.to_dict()
    return value


_FIELD_NAMES: Dict[type, Tuple[str, ...]] = {}


def _field_names(cls: type) -> Tuple[str, ...]:
    """A dataclass's field names, looked up once per class: ``dataclasses.fields`` is slow enough
    to show in a send's cost."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


class _Dict:
    """``to_dict()`` for dataclasses: the JSON shape, with unset optional fields left out."""

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for name in _field_names(type(self)):
            value = getattr(self, name)
            if value is None or (value is False and name == "two_way"):
                continue
            out[name] = _plain(value)
        return out


# ---- inputs -------------------------------------------------------------------------------------


@dataclass
class Button(_Dict):
    """A button under the message: caption (≤ 30 characters) and an http(s) link."""

    text: str
    url: str


@dataclass
class SmsFallback(_Dict):
    """The SMS sent when Viber does not deliver; ``sender`` defaults to the client's ``sms_sender``."""

    text: str
    sender: Optional[str] = None


@dataclass
class Schedule(_Dict):
    """When a mailing may go out, in unix seconds."""

    start: int
    end: Optional[int] = None


class Category(str, Enum):
    TRANSACTIONAL = "transactional"
    PROMOTIONAL = "promotional"


ButtonLike = Union[Button, Tuple[str, str], Mapping[str, str]]
FallbackLike = Union[SmsFallback, str, Mapping[str, Any]]
ScheduleLike = Union[Schedule, int, Mapping[str, Any]]


@dataclass
class Message(_Dict):
    """A Viber message to one or more recipients. Validation happens in the core,
    before anything is sent."""

    to: List[str] = field(default_factory=list)
    sender: Optional[str] = None
    text: Optional[str] = None
    image_url: Optional[str] = None
    button: Optional[ButtonLike] = None
    ttl_seconds: Optional[int] = None
    sms_fallback: Optional[FallbackLike] = None
    schedule: Optional[ScheduleLike] = None
    category: Optional[Union[Category, str]] = None
    two_way: bool = False
    chat_id: Optional[str] = None
    callback_url: Optional[str] = None
    label: Optional[str] = None

    def __post_init__(self) -> None:
        if isinstance(self.to, str):
            self.to = [self.to]
        else:
            self.to = list(self.to)
        if isinstance(self.button, tuple):
            self.button = Button(*self.button)
        elif isinstance(self.button, Mapping):
            self.button = Button(**self.button)
        if isinstance(self.sms_fallback, str):
            self.sms_fallback = SmsFallback(self.sms_fallback)
        elif isinstance(self.sms_fallback, Mapping):
            self.sms_fallback = SmsFallback(**self.sms_fallback)
        if isinstance(self.schedule, int) and not isinstance(self.schedule, bool):
            self.schedule = Schedule(self.schedule)
        elif isinstance(self.schedule, Mapping):
            self.schedule = Schedule(**self.schedule)
        if isinstance(self.category, str) and not isinstance(self.category, Category):
            self.category = Category(self.category)


class MessageFields(TypedDict, total=False):
    """The keyword arguments of ``send`` (:meth:`Client.send`, :meth:`AsyncClient.send`,
    :meth:`Router.send`): the fields of :class:`Message`, so that a type checker refuses a
    misspelt one (``txt=``) and a wrong type. Every field is optional here; ``to`` is needed
    except for a reply into a chat (``chat_id``)."""

    to: List[str]
    sender: Optional[str]
    text: Optional[str]
    image_url: Optional[str]
    button: Optional[ButtonLike]
    ttl_seconds: Optional[int]
    sms_fallback: Optional[FallbackLike]
    schedule: Optional[ScheduleLike]
    category: Optional[Union[Category, str]]
    two_way: bool
    chat_id: Optional[str]
    callback_url: Optional[str]
    label: Optional[str]


class PersonalizedFields(TypedDict, total=False):
    """The shared keyword arguments of ``send_personalized`` (every field but the items')."""

    sender: Optional[str]
    image_url: Optional[str]
    button_text: Optional[str]
    ttl_seconds: Optional[int]
    schedule: Optional[ScheduleLike]
    category: Optional[Union[Category, str]]
    callback_url: Optional[str]
    label: Optional[str]


@dataclass
class PersonalizedItem(_Dict):
    """One recipient of ``send_personalized`` with its own text and button link."""

    to: str
    text: str
    button_url: Optional[str] = None


# ---- results ------------------------------------------------------------------------------------


class _Result(_Dict):
    """Builds a result from its JSON object; unknown keys are ignored for forward compatibility."""

    _nested: ClassVar[Dict[str, Type[Any]]] = {}

    @classmethod
    def from_dict(cls: Type[T], data: Mapping[str, Any]) -> T:
        kwargs: Dict[str, Any] = {}
        for name in _field_names(cls):
            if name not in data:
                continue
            value = data[name]
            kind = cls._nested.get(name)
            if kind is not None and value is not None:
                convert = kind.from_dict if hasattr(kind, "from_dict") else kind
                value = [convert(v) for v in value] if isinstance(value, list) else convert(value)
            kwargs[name] = value
        return cls(**kwargs)


class DeliveryState(str, Enum):
    """Where a message is."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    EXPIRED = "expired"
    UNDELIVERABLE = "undeliverable"
    REJECTED = "rejected"
    FAILED = "failed"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def is_final(self) -> bool:
        """Whether the state can no longer change (the core's rule)."""
        return self.value in _final_states()


@functools.lru_cache(maxsize=None)
def _final_states() -> FrozenSet[str]:
    """The final states of the core's table, read once."""
    from .client import _native_call  # not at the top: client imports this module

    tables = json.loads(_native_call(_native.tables))
    return frozenset(s["name"] for s in tables["delivery_states"] if s["final"])


@dataclass(frozen=True)
class Accepted(_Result):
    phone: str
    message_id: Optional[str] = None
    chat_id: Optional[str] = None
    cost: Optional[str] = None


@dataclass(frozen=True)
class Rejected(_Result):
    phone: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Uncertain(_Result):
    """Sent, but no answer came: the message may have gone out. Never re-sent automatically."""

    phone: str
    detail: str = ""


@dataclass(frozen=True)
class SendReport(_Result):
    """Every recipient ends in exactly one of ``accepted``, ``rejected`` or ``uncertain``."""

    provider: str
    accepted: List[Accepted] = field(default_factory=list)
    rejected: List[Rejected] = field(default_factory=list)
    uncertain: List[Uncertain] = field(default_factory=list)
    requests: int = 0
    batch_id: Optional[str] = None
    _nested: ClassVar[Dict[str, Type[Any]]] = {"accepted": Accepted, "rejected": Rejected, "uncertain": Uncertain}

    @property
    def message_ids(self) -> List[str]:
        """Every message id the provider issued, in recipient order."""
        return [a.message_id for a in self.accepted if a.message_id is not None]


@dataclass(frozen=True)
class DeliveryReport(_Result):
    message_id: str
    state: DeliveryState
    read: bool = False
    provider_status: str = ""
    phone: Optional[str] = None
    sms_state: Optional[DeliveryState] = None
    detail: Optional[str] = None
    updated_at: Optional[str] = None
    _nested: ClassVar[Dict[str, Type[Any]]] = {"state": DeliveryState, "sms_state": DeliveryState}


@dataclass(frozen=True)
class Balance(_Result):
    balance: str
    credit: Optional[str] = None


@dataclass(frozen=True)
class Rate(_Result):
    country: str
    network: Optional[str]
    price: float
    charge_delivered_only: bool


@dataclass(frozen=True)
class Chat(_Result):
    chat_id: str
    phone: str
    created_at: Optional[str] = None


@dataclass(frozen=True)
class ChatMessage(_Result):
    text: str
    direction: str
    at: Optional[str] = None


@dataclass(frozen=True)
class ChatThread(_Result):
    chat_id: str
    phone: str
    messages: List[ChatMessage] = field(default_factory=list)
    sender: Optional[str] = None
    created_at: Optional[str] = None
    _nested: ClassVar[Dict[str, Type[Any]]] = {"messages": ChatMessage}


@dataclass(frozen=True)
class InboundMessage(_Result):
    phone: str
    text: str
    id: Optional[str] = None
    received_at: Optional[str] = None
    chat_id: Optional[str] = None


@dataclass(frozen=True)
class MailingStatus(_Result):
    deliveries: List[DeliveryReport] = field(default_factory=list)
    mailing_id: Optional[str] = None
    name: Optional[str] = None
    sender: Optional[str] = None
    _nested: ClassVar[Dict[str, Type[Any]]] = {"deliveries": DeliveryReport}


@dataclass(frozen=True)
class BatchStatus(_Result):
    batch_id: str
    mailings: List[MailingStatus] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    _nested: ClassVar[Dict[str, Type[Any]]] = {"mailings": MailingStatus}


@dataclass(frozen=True)
class Mailing(_Result):
    mailing_id: str
    message_type: Optional[str] = None
    text: Optional[str] = None
    button_text: Optional[str] = None
    button_url: Optional[str] = None
    image_url: Optional[str] = None
    status: Optional[str] = None
    created_at: Optional[str] = None
    scheduled_at: Optional[str] = None
    cost: Optional[str] = None


@dataclass(frozen=True)
class ListSend(_Result):
    mailing_id: str
    subscribers: Optional[int] = None


@dataclass(frozen=True)
class WebhookEvent(_Result):
    #: ``"status"``, ``"inbound"`` or ``"batch_accepted"`` (SMS.by's answer to an asynchronous
    #: mailing, carrying ``batch_id``).
    kind: str
    provider: str
    message_id: Optional[str] = None
    state: Optional[DeliveryState] = None
    sms_state: Optional[DeliveryState] = None
    provider_status: Optional[str] = None
    phone: Optional[str] = None
    text: Optional[str] = None
    at: Optional[str] = None
    tracking_data: Optional[str] = None
    #: The message an inbound reply answers (DecisionTelecom ``tracking_id``).
    reply_to_message_id: Optional[str] = None
    #: The mailing a ``batch_accepted`` event is about (SMS.by ``uuid``).
    batch_id: Optional[str] = None
    _nested: ClassVar[Dict[str, Type[Any]]] = {"state": DeliveryState, "sms_state": DeliveryState}


@dataclass(frozen=True)
class SmsInfo(_Result):
    encoding: str
    characters: int
    segments: int
    non_gsm_characters: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Capabilities(_Result):
    provider: str
    operations: List[str] = field(default_factory=list)
    image_without_text: bool = False
    image_needs_button: bool = False
    sms_fallback: bool = False
    schedule: bool = False
    two_way: bool = False
    chat_id: bool = False
    callback_url: bool = False
    label: bool = False
    max_recipients_per_request: Optional[int] = None
    ttl_seconds: Optional[List[int]] = None


@dataclass(frozen=True)
class RoutedAccepted(Accepted):
    """An accepted recipient and the provider that took it."""

    provider: str = ""


@dataclass(frozen=True)
class RoutedRejected(Rejected):
    provider: Optional[str] = None


@dataclass(frozen=True)
class RoutedUncertain(Uncertain):
    provider: str = ""


@dataclass(frozen=True)
class Attempt(_Result):
    """What one provider of a router was asked and what came of it."""

    provider: str
    recipients: List[str] = field(default_factory=list)
    skipped: Optional[str] = None
    #: The request-level error as its JSON object (``code``, ``message``, …).
    error: Optional[Dict[str, Any]] = None
    rejected: List[Rejected] = field(default_factory=list)
    #: Recipients this provider may have sent to; they never move on.
    uncertain: List[Uncertain] = field(default_factory=list)
    moved_on: List[str] = field(default_factory=list)
    #: HTTP requests made to this provider, retries included.
    requests: int = 0
    #: The provider's id for the whole send (an SMS.by mailing).
    batch_id: Optional[str] = None
    _nested: ClassVar[Dict[str, Type[Any]]] = {"rejected": Rejected, "uncertain": Uncertain}


@dataclass(frozen=True)
class RoutedReport(_Result):
    """A routed send: every recipient in exactly one list, each naming its provider."""

    accepted: List[RoutedAccepted] = field(default_factory=list)
    rejected: List[RoutedRejected] = field(default_factory=list)
    uncertain: List[RoutedUncertain] = field(default_factory=list)
    attempts: List[Attempt] = field(default_factory=list)
    requests: int = 0
    _nested: ClassVar[Dict[str, Type[Any]]] = {
        "accepted": RoutedAccepted,
        "rejected": RoutedRejected,
        "uncertain": RoutedUncertain,
        "attempts": Attempt,
    }

    @property
    def message_ids(self) -> List[Tuple[str, str]]:
        """``(provider, message_id)`` of every accepted recipient, for :meth:`Router.status`."""
        return [(a.provider, a.message_id) for a in self.accepted if a.message_id is not None]
