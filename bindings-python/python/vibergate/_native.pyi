# Stubs of the native module (checked with mypy.stubtest). Arguments and results are JSON text;
# operations run through `call`, the core's operation table (`tables()["operations"]`).
# Every entry runs inside one panic boundary: a Rust panic raises NativeError with code
# "internal" (vibergate.InternalError), never pyo3's PanicException.
from typing import Callable, List, Optional, Tuple, final

from typing_extensions import Self, TypeAlias

__all__ = [
    "DSN_ENV",
    "NativeClient",
    "NativeError",
    "NativeRouter",
    "NativeSandbox",
    "__version__",
    "dsn_from_env",
    "parse_webhook",
    "sms_info",
    "split_chain",
    "tables",
]
__version__: str
DSN_ENV: str

class NativeError(Exception): ...

# (method, url, status, latency_ms, attempt, error, wait_reason, wait_ms); a record with a
# wait_reason announces a wait before attempt `attempt` rather than reporting one.
# (method, url, status, latency_ms, attempt, error, wait_reason, wait_ms, notice): notice is
# (warning, message) on a record about the client itself (its shared_state), else None.
_LogCallback: TypeAlias = Callable[
    [
        str,
        str,
        Optional[int],
        float,
        int,
        Optional[str],
        Optional[str],
        Optional[float],
        Optional[Tuple[bool, str]],
    ],
    object,
]

@final
class NativeClient:
    def __new__(cls, config: str, log: Optional[_LogCallback] = None) -> Self: ...
    def provider(self) -> str: ...
    def to_dsn(self) -> str: ...
    def config_json(self) -> str: ...
    # One operation of the table with its JSON argument object; returns the JSON result.
    def call(self, operation: str, args: str) -> str: ...

@final
class NativeRouter:
    def __new__(cls, clients: List[NativeClient], cooldown_ms: Optional[int] = None) -> Self: ...
    def to_dsn(self) -> str: ...
    def call(self, operation: str, args: str) -> str: ...
    def reset_cooldowns(self) -> None: ...

@final
class NativeSandbox:
    def __new__(cls, config: str) -> Self: ...
    def base_url(self) -> str: ...
    def dsn(self, provider: str) -> str: ...
    def requests(self) -> str: ...
    def inject(self, fault: str) -> None: ...
    def reset(self) -> None: ...
    def stop(self) -> None: ...

def parse_webhook(provider: str, request: str) -> str: ...
def sms_info(text: str) -> str: ...

# {"version", "operations": [{"name","on","input","args","summary"}], "error_codes": [...],
# "delivery_states": [{"name","final"}], "providers": [...]} as JSON text.
def tables() -> str: ...
def split_chain(chain: str) -> List[str]: ...
def dsn_from_env() -> str: ...

# Test-only, not part of the API: the next call into this module panics inside its panic
# boundary, which raises NativeError with code "internal" (vibergate.InternalError).
def _panic_for_tests() -> None: ...
