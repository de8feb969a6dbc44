//! `vibergate._native`: the thin pyo3 layer over `vibergate-core`. Arguments and results cross
//! as JSON text (the shapes of the C ABI); the typed Python API lives in `python/vibergate/`.
//! Every call that may touch the network releases the GIL.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use vibergate_core::sandbox::{Fault, Sandbox, SandboxConfig};
use vibergate_core::{
    Client, Config, Error, ErrorCode, InboundQuery, ListMessage, LogRecord, Message,
    PersonalizedMessage, ProviderId, RoutedId, Router, WebhookRequest,
};

create_exception!(
    _native,
    NativeError,
    PyException,
    "An error from vibergate-core; its argument is the error JSON."
);

fn raise(error: Error) -> PyErr {
    NativeError::new_err(error.to_json())
}

/// Parses the JSON the Python package built from `what`; errors are the core's, in the
/// caller's words (`unknown field "txt" (did you mean "text"?)`, `field` the path).
fn parse<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, Error> {
    vibergate_core::suggest::parse_json(json).map_err(|e| match e.field {
        Some(_) => e,
        None => Error::new(e.code(), format!("{what}: {}", e.message)).with_field(what),
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

/// The message of the error a caught panic becomes. It never repeats the panic's payload, which
/// may quote the input being parsed (a DSN with its token).
const PANICKED: &str =
    "vibergate panicked: this is a bug in vibergate, please report it (the panic message went to stderr)";

/// The panic boundary: every entry of this module runs its body through here, so a Rust panic
/// becomes a `NativeError` with code `internal` (`vibergate.InternalError` in Python), never
/// pyo3's `PanicException`, which derives from `BaseException` and escapes `except Exception`.
fn guarded<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(|| {
        test_hooks::panic_if_armed();
        body()
    }))
    .unwrap_or_else(|_| Err(raise(Error::internal(PANICKED))))
}

/// Runs `f` with the GIL released. Callers are inside [`guarded`]; pyo3 takes the GIL back when
/// a panic unwinds out of `detach`, and the boundary then catches it.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    py.detach(f).map_err(raise)
}

/// Test-only: `_panic_for_tests()` makes the next call into this module panic inside its
/// boundary, so that the test suite can prove every entry maps a panic to `InternalError`.
mod test_hooks {
    use std::sync::atomic::{AtomicBool, Ordering};

    static ARMED: AtomicBool = AtomicBool::new(false);

    pub(crate) fn arm() {
        ARMED.store(true, Ordering::SeqCst);
    }

    pub(crate) fn panic_if_armed() {
        if ARMED.swap(false, Ordering::SeqCst) {
            panic!("a test panic inside the boundary (vibergate._native._panic_for_tests)");
        }
    }
}

/// Test-only (not part of the API): the next call into `vibergate._native` panics inside its
/// boundary and raises `InternalError`.
#[pyfunction]
fn _panic_for_tests() -> PyResult<()> {
    guarded(|| {
        test_hooks::arm();
        Ok(())
    })
}

/// A client of one provider, shared by every Python thread that uses it.
#[pyclass(frozen, module = "vibergate._native")]
struct NativeClient {
    client: Arc<Client>,
}

impl NativeClient {
    /// Inside the boundary: builds the owned arguments with `args`, then runs `op` on a clone of
    /// the client with the GIL released.
    fn run<A: Send, T: Send>(
        &self,
        py: Python<'_>,
        args: impl FnOnce() -> Result<A, Error>,
        op: impl FnOnce(&Client, A) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        guarded(|| {
            let args = args().map_err(raise)?;
            let c = self.client.clone();
            detached(py, move || op(&c, args))
        })
    }
}

#[pymethods]
impl NativeClient {
    /// `config` is a DSN or a JSON configuration; `log` is called with
    /// `(method, url, status, latency_ms, attempt, error)` for every HTTP attempt.
    #[new]
    #[pyo3(signature = (config, log=None))]
    fn new(config: &str, log: Option<Py<PyAny>>) -> PyResult<Self> {
        guarded(|| {
            let config = config.trim();
            let config = if config.starts_with('{') {
                Config::from_json(config)
            } else {
                Config::from_dsn(config)
            }
            .map_err(raise)?;
            let mut client = Client::new(config).map_err(raise)?;
            if let Some(log) = log {
                client = client.with_log_hook(move |r: &LogRecord| {
                    Python::attach(|py| {
                        let latency_ms = r.latency.as_secs_f64() * 1000.0;
                        let wait_reason = r.wait.map(|w| w.reason.as_str());
                        let wait_ms = r.wait.map(|w| w.duration.as_secs_f64() * 1000.0);
                        // A failing logger must not fail the send.
                        let _ = log.call1(
                            py,
                            (
                                r.method,
                                r.url.as_str(),
                                r.status,
                                latency_ms,
                                r.attempt,
                                r.error.as_deref(),
                                wait_reason,
                                wait_ms,
                            ),
                        );
                    })
                });
            }
            Ok(NativeClient {
                client: Arc::new(client),
            })
        })
    }

    fn provider(&self) -> PyResult<&'static str> {
        guarded(|| Ok(self.client.provider().as_str()))
    }

    fn to_dsn(&self) -> PyResult<String> {
        guarded(|| Ok(self.client.to_dsn()))
    }

    fn config_json(&self) -> PyResult<String> {
        guarded(|| to_json(self.client.config()).map_err(raise))
    }

    fn send(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<Message>(message, "message"),
            |c, m| to_json(&c.send(&m)?),
        )
    }

    fn send_personalized(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<PersonalizedMessage>(message, "message"),
            |c, m| to_json(&c.send_personalized(&m)?),
        )
    }

    fn status(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<String> {
        self.run(py, || Ok(ids), |c, ids| to_json(&c.status(&ids)?))
    }

    fn status_batch(&self, py: Python<'_>, batch_id: String) -> PyResult<String> {
        self.run(py, || Ok(batch_id), |c, id| to_json(&c.status_batch(&id)?))
    }

    fn balance(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, || Ok(()), |c, ()| to_json(&c.balance()?))
    }

    fn rates(&self, py: Python<'_>) -> PyResult<String> {
        self.run(py, || Ok(()), |c, ()| to_json(&c.rates()?))
    }

    fn chats(&self, py: Python<'_>, page: u32) -> PyResult<String> {
        self.run(py, || Ok(page), |c, page| to_json(&c.chats(page)?))
    }

    fn chat(&self, py: Python<'_>, chat_id: String, page: u32) -> PyResult<String> {
        self.run(py, || Ok(chat_id), |c, id| to_json(&c.chat(&id, page)?))
    }

    fn inbound(&self, py: Python<'_>, query: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<InboundQuery>(query, "query"),
            |c, q| to_json(&c.inbound(&q)?),
        )
    }

    fn capabilities(&self) -> PyResult<String> {
        guarded(|| to_json(&self.client.capabilities()).map_err(raise))
    }

    fn send_to_list(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<ListMessage>(message, "message"),
            |c, m| to_json(&c.send_to_list(&m)?),
        )
    }

    fn confirm_mailing(&self, py: Python<'_>, mailing_id: String) -> PyResult<()> {
        self.run(py, || Ok(mailing_id), |c, id| c.confirm_mailing(&id))
    }

    fn mailings(&self, py: Python<'_>, offset: u32, limit: u32) -> PyResult<String> {
        self.run(py, || Ok(()), |c, ()| to_json(&c.mailings(offset, limit)?))
    }

    fn mailing(&self, py: Python<'_>, mailing_id: String) -> PyResult<String> {
        self.run(py, || Ok(mailing_id), |c, id| to_json(&c.mailing(&id)?))
    }

    fn delivery_list(&self, py: Python<'_>, mailing_id: String) -> PyResult<String> {
        self.run(
            py,
            || Ok(mailing_id),
            |c, id| to_json(&c.delivery_list(&id)?),
        )
    }

    fn mark_inbound_read(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<Option<u64>> {
        self.run(py, || Ok(ids), |c, ids| c.mark_inbound_read(&ids))
    }
}

/// Failover across the clients given, in order.
#[pyclass(frozen, module = "vibergate._native")]
struct NativeRouter {
    router: Arc<Router>,
}

impl NativeRouter {
    /// Inside the boundary: builds the owned arguments with `args`, then runs `op` on a clone of
    /// the router with the GIL released.
    fn run<A: Send, T: Send>(
        &self,
        py: Python<'_>,
        args: impl FnOnce() -> Result<A, Error>,
        op: impl FnOnce(&Router, A) -> Result<T, Error> + Send,
    ) -> PyResult<T> {
        guarded(|| {
            let args = args().map_err(raise)?;
            let r = self.router.clone();
            detached(py, move || op(&r, args))
        })
    }
}

#[pymethods]
impl NativeRouter {
    #[new]
    #[pyo3(signature = (clients, cooldown_ms=None))]
    fn new(clients: Vec<PyRef<'_, NativeClient>>, cooldown_ms: Option<u64>) -> PyResult<Self> {
        guarded(|| {
            let mut router =
                Router::from_shared(clients.iter().map(|c| c.client.clone()).collect())
                    .map_err(raise)?;
            if let Some(ms) = cooldown_ms {
                router = router.with_cooldown(std::time::Duration::from_millis(ms));
            }
            Ok(NativeRouter {
                router: Arc::new(router),
            })
        })
    }

    fn to_dsn(&self) -> PyResult<String> {
        guarded(|| Ok(self.router.to_dsn()))
    }

    fn send(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<Message>(message, "message"),
            |r, m| to_json(&r.send(&m)?),
        )
    }

    fn send_personalized(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<PersonalizedMessage>(message, "message"),
            |r, m| to_json(&r.send_personalized(&m)?),
        )
    }

    fn status(&self, py: Python<'_>, ids: &str) -> PyResult<String> {
        self.run(
            py,
            || parse::<Vec<RoutedId>>(ids, "ids"),
            |r, ids| to_json(&r.status(&ids.into_iter().map(Into::into).collect::<Vec<_>>())?),
        )
    }

    fn reset_cooldowns(&self) -> PyResult<()> {
        guarded(|| {
            self.router.reset_cooldowns();
            Ok(())
        })
    }
}

/// The provider emulator.
#[pyclass(frozen, module = "vibergate._native")]
struct NativeSandbox {
    sandbox: std::sync::Mutex<Option<Sandbox>>,
}

impl NativeSandbox {
    /// Runs `f` on the running sandbox, inside the boundary.
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> Result<T, Error>) -> PyResult<T> {
        guarded(|| {
            let guard = self.sandbox.lock().unwrap_or_else(|e| e.into_inner());
            let sandbox = guard
                .as_ref()
                .ok_or_else(|| Error::invalid_config("the sandbox is stopped"))
                .map_err(raise)?;
            f(sandbox).map_err(raise)
        })
    }
}

#[pymethods]
impl NativeSandbox {
    #[new]
    fn new(config: &str) -> PyResult<Self> {
        guarded(|| {
            let config: SandboxConfig = serde_json::from_str(config)
                .map_err(|e| raise(Error::invalid_config(format!("sandbox config: {e}"))))?;
            let sandbox = Sandbox::start(config).map_err(|e| {
                raise(Error::new(
                    ErrorCode::Transport,
                    format!("cannot start the sandbox: {e}"),
                ))
            })?;
            Ok(NativeSandbox {
                sandbox: std::sync::Mutex::new(Some(sandbox)),
            })
        })
    }

    fn base_url(&self) -> PyResult<String> {
        self.with(|s| Ok(s.base_url()))
    }

    fn dsn(&self, provider: &str) -> PyResult<String> {
        self.with(|s| {
            let p = ProviderId::parse(provider)
                .ok_or_else(|| Error::invalid_config(format!("unknown provider {provider:?}")))?;
            Ok(s.dsn(p))
        })
    }

    fn requests(&self) -> PyResult<String> {
        self.with(|s| to_json(&s.requests()))
    }

    fn inject(&self, fault: &str) -> PyResult<()> {
        self.with(|s| {
            s.inject(parse::<Fault>(fault, "fault")?);
            Ok(())
        })
    }

    fn reset(&self) -> PyResult<()> {
        self.with(|s| {
            s.reset();
            Ok(())
        })
    }

    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        guarded(|| {
            let taken = self
                .sandbox
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            py.detach(move || drop(taken));
            Ok(())
        })
    }
}

/// Parses a provider callback; `request` is `{"method","query","body","content_type"}`.
#[pyfunction]
fn parse_webhook(provider: &str, request: &str) -> PyResult<String> {
    guarded(|| {
        let p = ProviderId::parse(provider)
            .ok_or_else(|| {
                Error::invalid_message("provider", format!("unknown provider {provider:?}"))
            })
            .map_err(raise)?;
        let request: WebhookRequest = parse(request, "request").map_err(raise)?;
        vibergate_core::parse_webhook(p, &request)
            .and_then(|e| to_json(&e))
            .map_err(raise)
    })
}

#[pyfunction]
fn sms_info(text: &str) -> PyResult<String> {
    guarded(|| to_json(&vibergate_core::sms_info(text)).map_err(raise))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    guarded(|| {
        m.add("__version__", vibergate_core::VERSION)?;
        m.add("NativeError", m.py().get_type::<NativeError>())?;
        m.add_class::<NativeClient>()?;
        m.add_class::<NativeSandbox>()?;
        m.add_class::<NativeRouter>()?;
        m.add_function(wrap_pyfunction!(parse_webhook, m)?)?;
        m.add_function(wrap_pyfunction!(sms_info, m)?)?;
        // An attribute, not an export: it stays out of `__all__`.
        m.setattr("_panic_for_tests", wrap_pyfunction!(_panic_for_tests, m)?)?;
        Ok(())
    })
}
