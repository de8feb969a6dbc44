//! `vibergate._native`: the thin pyo3 layer over `vibergate-core`. Operations cross as JSON
//! text through one generic `call` per target, which is the core's operation table
//! (`vibergate_core::api`): argument names, defaults and result shapes are decided there, and
//! the typed Python API in `python/vibergate/` only builds the table's argument objects.
//! Every call that may touch the network releases the GIL.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use vibergate_core::api::{self, Target};
use vibergate_core::sandbox::{Fault, Sandbox, SandboxConfig};
use vibergate_core::{Client, Config, Error, LogRecord, ProviderId, Router, WebhookRequest};

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
    vibergate_core::suggest::parse_json(json).map_err(|e| api::name_argument(e, what))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

/// The panic boundary: every entry of this module runs its body through here, so a Rust panic
/// becomes a `NativeError` with code `internal` (`vibergate.InternalError` in Python), never
/// pyo3's `PanicException`, which derives from `BaseException` and escapes `except Exception`.
fn guarded<T>(body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(|| {
        test_hooks::panic_if_armed();
        body()
    }))
    .unwrap_or_else(|_| Err(raise(Error::from_panic())))
}

/// Runs `operation` of the core's table on `target` with the GIL released. Callers are inside
/// [`guarded`]; the arguments are copied first, so nothing borrowed from Python is read while
/// other threads run, and pyo3 takes the GIL back when a panic unwinds out of `detach`, where
/// the boundary then catches it.
fn call_detached(
    py: Python<'_>,
    operation: &str,
    args: &str,
    run: impl FnOnce(&str, &str) -> Result<String, Error> + Send,
) -> PyResult<String> {
    let (operation, args) = (operation.to_owned(), args.to_owned());
    py.detach(move || run(&operation, &args)).map_err(raise)
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

#[pymethods]
impl NativeClient {
    /// `config` is a DSN or a JSON configuration; `log` is called with
    /// `(method, url, status, latency_ms, attempt, error, wait_reason, wait_ms, notice)` for every
    /// HTTP attempt, every wait and every notice (`(warning, message)`) about the client.
    #[new]
    #[pyo3(signature = (config, log=None))]
    fn new(config: &str, log: Option<Py<PyAny>>) -> PyResult<Self> {
        guarded(|| {
            let mut client = Config::parse(config).and_then(Client::new).map_err(raise)?;
            if let Some(log) = log {
                client = client.with_log_hook(move |r: &LogRecord| {
                    Python::attach(|py| {
                        let latency_ms = r.latency.as_secs_f64() * 1000.0;
                        let wait_reason = r.wait.map(|w| w.reason.as_str());
                        let wait_ms = r.wait.map(|w| w.duration.as_secs_f64() * 1000.0);
                        let notice = r.notice.as_ref().map(|n| (n.warning, n.message.as_str()));
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
                                notice,
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

    /// Runs `operation` of the core's table with the JSON argument object `args` and returns
    /// the JSON result.
    fn call(&self, py: Python<'_>, operation: &str, args: &str) -> PyResult<String> {
        guarded(|| {
            let client = self.client.clone();
            call_detached(py, operation, args, move |op, args| {
                api::call(Target::Client(&client), op, args)
            })
        })
    }
}

/// Failover across the clients given, in order.
#[pyclass(frozen, module = "vibergate._native")]
struct NativeRouter {
    router: Arc<Router>,
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

    /// Runs `operation` of the core's table (the router's rows) with the JSON argument object
    /// `args` and returns the JSON result.
    fn call(&self, py: Python<'_>, operation: &str, args: &str) -> PyResult<String> {
        guarded(|| {
            let router = self.router.clone();
            call_detached(py, operation, args, move |op, args| {
                api::call(Target::Router(&router), op, args)
            })
        })
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
    /// `config` holds only the options the caller gave; the core fills in the rest.
    #[new]
    fn new(config: &str) -> PyResult<Self> {
        guarded(|| {
            let sandbox = SandboxConfig::from_json(config)
                .and_then(Sandbox::start)
                .map_err(raise)?;
            Ok(NativeSandbox {
                sandbox: std::sync::Mutex::new(Some(sandbox)),
            })
        })
    }

    fn base_url(&self) -> PyResult<String> {
        self.with(|s| Ok(s.base_url()))
    }

    fn dsn(&self, provider: &str) -> PyResult<String> {
        self.with(|s| Ok(s.dsn(provider.parse::<ProviderId>()?)))
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
        let p = provider.parse::<ProviderId>().map_err(raise)?;
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

/// The core's tables as JSON (`version`, `operations`, `error_codes`, `delivery_states`,
/// `providers`): what the Python package reads instead of keeping copies, and what its tests
/// compare the hand-written classes with.
#[pyfunction]
fn tables() -> PyResult<String> {
    guarded(|| to_json(&api::tables()).map_err(raise))
}

/// The DSNs of a router chain (`"a://… || b://…"`), split by the core's rule.
#[pyfunction]
fn split_chain(chain: &str) -> PyResult<Vec<String>> {
    guarded(|| {
        Ok(vibergate_core::split_dsn_chain(chain)
            .map(str::to_owned)
            .collect())
    })
}

/// The DSN in `VIBERGATE_DSN`, by the core's one meaning of "set" (empty is unset).
#[pyfunction]
fn dsn_from_env() -> PyResult<String> {
    guarded(|| vibergate_core::dsn_from_env().map_err(raise))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    guarded(|| {
        m.add("__version__", vibergate_core::VERSION)?;
        m.add("DSN_ENV", vibergate_core::DSN_ENV)?;
        m.add("NativeError", m.py().get_type::<NativeError>())?;
        m.add_class::<NativeClient>()?;
        m.add_class::<NativeSandbox>()?;
        m.add_class::<NativeRouter>()?;
        m.add_function(wrap_pyfunction!(parse_webhook, m)?)?;
        m.add_function(wrap_pyfunction!(sms_info, m)?)?;
        m.add_function(wrap_pyfunction!(tables, m)?)?;
        m.add_function(wrap_pyfunction!(split_chain, m)?)?;
        m.add_function(wrap_pyfunction!(dsn_from_env, m)?)?;
        // An attribute, not an export: it stays out of `__all__`.
        m.setattr("_panic_for_tests", wrap_pyfunction!(_panic_for_tests, m)?)?;
        Ok(())
    })
}
