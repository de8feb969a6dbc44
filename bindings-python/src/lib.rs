//! `vibergate._native`: the thin pyo3 layer over `vibergate-core`. Arguments and results cross
//! as JSON text (the shapes of the C ABI); the typed Python API lives in `python/vibergate/`.
//! Every call that may touch the network releases the GIL.

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

fn parse<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|e| Error::invalid_message(what, format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

/// Runs `f` with the GIL released, catching panics as `internal` errors.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
            Err(Error::internal(
                "vibergate panicked (please report this bug)",
            ))
        })
    })
    .map_err(raise)
}

/// A client of one provider, shared by every Python thread that uses it.
#[pyclass(frozen, module = "vibergate._native")]
struct NativeClient {
    client: Arc<Client>,
}

#[pymethods]
impl NativeClient {
    /// `config` is a DSN or a JSON configuration; `log` is called with
    /// `(method, url, status, latency_ms, attempt, error)` for every HTTP attempt.
    #[new]
    #[pyo3(signature = (config, log=None))]
    fn new(config: &str, log: Option<Py<PyAny>>) -> PyResult<Self> {
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
                        ),
                    );
                })
            });
        }
        Ok(NativeClient {
            client: Arc::new(client),
        })
    }

    fn provider(&self) -> &'static str {
        self.client.provider().as_str()
    }

    fn to_dsn(&self) -> String {
        self.client.to_dsn()
    }

    fn config_json(&self) -> PyResult<String> {
        to_json(self.client.config()).map_err(raise)
    }

    fn send(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        let message: Message = parse(message, "message").map_err(raise)?;
        let c = self.client.clone();
        detached(py, move || to_json(&c.send(&message)?))
    }

    fn send_personalized(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        let message: PersonalizedMessage = parse(message, "message").map_err(raise)?;
        let c = self.client.clone();
        detached(py, move || to_json(&c.send_personalized(&message)?))
    }

    fn status(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.status(&ids)?))
    }

    fn status_batch(&self, py: Python<'_>, batch_id: String) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.status_batch(&batch_id)?))
    }

    fn balance(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.balance()?))
    }

    fn rates(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.rates()?))
    }

    fn chats(&self, py: Python<'_>, page: u32) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.chats(page)?))
    }

    fn chat(&self, py: Python<'_>, chat_id: String, page: u32) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.chat(&chat_id, page)?))
    }

    fn inbound(&self, py: Python<'_>, query: &str) -> PyResult<String> {
        let query: InboundQuery = parse(query, "query").map_err(raise)?;
        let c = self.client.clone();
        detached(py, move || to_json(&c.inbound(&query)?))
    }

    fn capabilities(&self) -> PyResult<String> {
        to_json(&self.client.capabilities()).map_err(raise)
    }

    fn send_to_list(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        let message: ListMessage = parse(message, "message").map_err(raise)?;
        let c = self.client.clone();
        detached(py, move || to_json(&c.send_to_list(&message)?))
    }

    fn confirm_mailing(&self, py: Python<'_>, mailing_id: String) -> PyResult<()> {
        let c = self.client.clone();
        detached(py, move || c.confirm_mailing(&mailing_id))
    }

    fn mailings(&self, py: Python<'_>, offset: u32, limit: u32) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.mailings(offset, limit)?))
    }

    fn mailing(&self, py: Python<'_>, mailing_id: String) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.mailing(&mailing_id)?))
    }

    fn delivery_list(&self, py: Python<'_>, mailing_id: String) -> PyResult<String> {
        let c = self.client.clone();
        detached(py, move || to_json(&c.delivery_list(&mailing_id)?))
    }

    fn mark_inbound_read(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<Option<u64>> {
        let c = self.client.clone();
        detached(py, move || c.mark_inbound_read(&ids))
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
        let mut router = Router::from_shared(clients.iter().map(|c| c.client.clone()).collect())
            .map_err(raise)?;
        if let Some(ms) = cooldown_ms {
            router = router.with_cooldown(std::time::Duration::from_millis(ms));
        }
        Ok(NativeRouter {
            router: Arc::new(router),
        })
    }

    fn to_dsn(&self) -> String {
        self.router.to_dsn()
    }

    fn send(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        let message: Message = parse(message, "message").map_err(raise)?;
        let r = self.router.clone();
        detached(py, move || to_json(&r.send(&message)?))
    }

    fn send_personalized(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        let message: PersonalizedMessage = parse(message, "message").map_err(raise)?;
        let r = self.router.clone();
        detached(py, move || to_json(&r.send_personalized(&message)?))
    }

    fn status(&self, py: Python<'_>, ids: &str) -> PyResult<String> {
        let ids: Vec<RoutedId> = parse(ids, "ids").map_err(raise)?;
        let r = self.router.clone();
        detached(py, move || {
            to_json(&r.status(&ids.into_iter().map(Into::into).collect::<Vec<_>>())?)
        })
    }

    fn reset_cooldowns(&self) {
        self.router.reset_cooldowns();
    }
}

/// The provider emulator.
#[pyclass(frozen, module = "vibergate._native")]
struct NativeSandbox {
    sandbox: std::sync::Mutex<Option<Sandbox>>,
}

impl NativeSandbox {
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> Result<T, Error>) -> PyResult<T> {
        let guard = self.sandbox.lock().unwrap_or_else(|e| e.into_inner());
        let sandbox = guard
            .as_ref()
            .ok_or_else(|| raise(Error::invalid_config("the sandbox is stopped")))?;
        f(sandbox).map_err(raise)
    }
}

#[pymethods]
impl NativeSandbox {
    #[new]
    fn new(config: &str) -> PyResult<Self> {
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
        let fault: Fault = parse(fault, "fault").map_err(raise)?;
        self.with(|s| {
            s.inject(fault);
            Ok(())
        })
    }

    fn reset(&self) -> PyResult<()> {
        self.with(|s| {
            s.reset();
            Ok(())
        })
    }

    fn stop(&self, py: Python<'_>) {
        let taken = self
            .sandbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        py.detach(move || drop(taken));
    }
}

/// Parses a provider callback; `request` is `{"method","query","body","content_type"}`.
#[pyfunction]
fn parse_webhook(provider: &str, request: &str) -> PyResult<String> {
    let p = ProviderId::parse(provider).ok_or_else(|| {
        raise(Error::invalid_message(
            "provider",
            format!("unknown provider {provider:?}"),
        ))
    })?;
    let request: WebhookRequest = parse(request, "request").map_err(raise)?;
    vibergate_core::parse_webhook(p, &request)
        .and_then(|e| to_json(&e))
        .map_err(raise)
}

#[pyfunction]
fn sms_info(text: &str) -> PyResult<String> {
    to_json(&vibergate_core::sms_info(text)).map_err(raise)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", vibergate_core::VERSION)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_class::<NativeClient>()?;
    m.add_class::<NativeSandbox>()?;
    m.add_class::<NativeRouter>()?;
    m.add_function(wrap_pyfunction!(parse_webhook, m)?)?;
    m.add_function(wrap_pyfunction!(sms_info, m)?)?;
    Ok(())
}
