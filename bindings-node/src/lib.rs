//! The native addon behind the `vibergate` npm package: a thin napi-rs layer over
//! `vibergate-core`. Operations are the core's table (`api::call`): they take and return JSON
//! text (snake_case, the C ABI's shapes), and nothing here knows one operation from another; the
//! camelCase, Promise-based API is `index.js`. Async calls run on this addon's own threads (`pool`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

mod pool;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use vibergate_core::api::{self, Target};
use vibergate_core::sandbox::{Fault, Sandbox, SandboxConfig};
use vibergate_core::ConfigSyntax;
use vibergate_core::{
    Client, Config, Error as CoreError, LogRecord, ProviderId, Router, WebhookRequest,
};

/// A core error crosses as its JSON in the message; `index.js` turns it into `VibergateError`.
/// The field names of the core's inputs in its message and `field` are renamed to the camelCase
/// a Node caller wrote (`sms_fallback.text` → `smsFallback.text`).
fn to_napi(error: CoreError) -> napi::Error {
    let mut json: serde_json::Value =
        serde_json::from_str(&error.to_json()).unwrap_or(serde_json::Value::Null);
    camel_error(&mut json);
    napi::Error::from_reason(json.to_string())
}

/// A core error about a DSN the caller wrote (or about `VIBERGATE_DSN`): DSN options are
/// snake_case in every language, so the names stay as they are.
fn to_napi_dsn(error: CoreError) -> napi::Error {
    napi::Error::from_reason(error.to_json())
}

/// Renames the field names in an error object (and in the errors of a router's attempts): the
/// core's input names, and the names on the path in `field` (an unknown key the caller wrote,
/// which `index.js` had turned from `imageURL` into `image_u_r_l`).
fn camel_error(error: &mut serde_json::Value) {
    // Only for the caller's own input: a provider's field (`upload_img`) stays as it said it.
    let own_input = matches!(
        error.get("code").and_then(|c| c.as_str()),
        Some("invalid_message" | "invalid_config")
    );
    let path: Vec<String> = match error.get("field") {
        Some(serde_json::Value::String(field)) if own_input => field
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    for key in ["message", "field"] {
        if let Some(serde_json::Value::String(text)) = error.get_mut(key) {
            *text = camel_names(text, &path);
        }
    }
    if let Some(serde_json::Value::Array(attempts)) = error.get_mut("attempts") {
        for attempt in attempts {
            if let Some(inner) = attempt.get_mut("error") {
                camel_error(inner);
            }
        }
    }
}

/// `text` with every snake_case name of the core's inputs (and of `also`) in camelCase; other
/// words (error codes such as `invalid_number`, providers' own parameter names) stay as they are.
fn camel_names(text: &str, also: &[String]) -> String {
    let known = vibergate_core::suggest::input_field_names();
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.contains('_') && (known.contains(&word.as_str()) || also.iter().any(|a| a == word))
        {
            out.push_str(&vibergate_core::suggest::camel_case(word));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Parses the JSON `index.js` built from the caller's `what` (a fault, a webhook request: inputs
/// that are not operations of the table); errors are the core's, in the caller's words, named
/// after `what` by the core's own rule ([`api::name_argument`]) and renamed to camelCase by
/// [`to_napi`].
fn parse<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
) -> std::result::Result<T, CoreError> {
    vibergate_core::suggest::parse_json(json).map_err(|e| api::name_argument(e, what))
}

/// The JavaScript function that receives the log records of a client (`logger` in `index.js`):
/// called with each record as JSON, never keeping the event loop alive by itself.
type LogFn = ThreadsafeFunction<String, (), String, Status, false, true>;

/// Hands each HTTP attempt, each wait announced before one and each notice about the client to
/// `log` as JSON `{"provider","method","url","attempt","status"?,"latency_ms","error"?,
/// "wait"?:{"reason","ms"},"notice"?:{"warning","message"}}`.
/// Non-blocking: a record of a `…Sync` call arrives once the call has returned.
fn with_log(client: Client, log: Option<Arc<LogFn>>) -> Client {
    let Some(log) = log else { return client };
    client.with_log_hook(move |r: &LogRecord| {
        let record = serde_json::json!({
            "provider": r.provider,
            "method": r.method,
            "url": r.url,
            "attempt": r.attempt,
            "status": r.status,
            "latency_ms": r.latency.as_secs_f64() * 1000.0,
            "error": r.error,
            "wait": r.wait.map(|w| serde_json::json!({
                "reason": w.reason.as_str(),
                "ms": w.duration.as_secs_f64() * 1000.0,
            })),
            "notice": r.notice.as_ref().map(|n| serde_json::json!({
                "warning": n.warning,
                "message": n.message,
            })),
        });
        let _ = log.call(record.to_string(), ThreadsafeFunctionCallMode::NonBlocking);
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> std::result::Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::internal(e.to_string()))
}

/// The panic boundary: every `#[napi]` export, and the work of every Promise, runs its body
/// through here. A Rust panic becomes an error with code `internal` (a `VibergateError` in
/// `index.js`) instead of unwinding into Node, which aborts the process. The message never
/// repeats the panic's payload: it may quote the input being parsed (a DSN with its token).
fn guarded<T>(body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(|| {
        test_hooks::panic_if_armed();
        body()
    }))
    .unwrap_or_else(|_| Err(to_napi(CoreError::from_panic())))
}

/// Test-only: `__panicForTests(skip)` makes the boundary entered after `skip` others panic, so
/// that the test suite can prove every export (and the work behind every Promise) is guarded.
mod test_hooks {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// 0: disarmed; n: the n-th boundary entered from now panics.
    static ARMED: AtomicU32 = AtomicU32::new(0);

    pub(crate) fn arm(skip: u32) {
        ARMED.store(skip.saturating_add(1), Ordering::SeqCst);
    }

    pub(crate) fn panic_if_armed() {
        let before = ARMED.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if before == Ok(1) {
            panic!("a test panic inside the boundary (__panicForTests)");
        }
    }
}

/// Test-only, not part of the API (kept out of the typings): the boundary entered after `skip`
/// others (default 0: the next one) panics and reports `internal`.
#[napi(js_name = "__panicForTests", skip_typescript)]
pub fn panic_for_tests(skip: Option<u32>) -> napi::Result<()> {
    guarded(|| {
        test_hooks::arm(skip.unwrap_or(0));
        Ok(())
    })
}

/// A Promise settled with what `work` returns; `work` runs on a `pool` thread inside the boundary.
fn promise<'env>(
    env: &'env Env,
    work: impl FnOnce() -> std::result::Result<String, CoreError> + Send + 'static,
) -> napi::Result<Object<'env>> {
    let (deferred, promise) = env.create_deferred()?;
    pool::spawn(move || match guarded(|| work().map_err(to_napi)) {
        Ok(json) => deferred.resolve(move |_| Ok(json)),
        Err(error) => deferred.reject(error),
    });
    Ok(promise)
}

/// A client of one provider, shared by every call.
#[napi]
pub struct NativeClient {
    client: Arc<Client>,
}

#[napi]
impl NativeClient {
    /// `config` is a DSN or a JSON configuration (camelCase names in errors); `log` receives
    /// every attempt and wait as JSON.
    #[napi(constructor)]
    pub fn new(
        config: String,
        log: Option<ThreadsafeFunction<String, (), String, Status, false, true>>,
    ) -> napi::Result<Self> {
        guarded(|| {
            // An options object (JSON) is named in camelCase by `index.js`'s caller, a DSN in
            // its own snake_case words: the core says which one the text is.
            let to_napi = match ConfigSyntax::of(&config) {
                ConfigSyntax::Json => to_napi as fn(CoreError) -> napi::Error,
                ConfigSyntax::Dsn => to_napi_dsn as fn(CoreError) -> napi::Error,
            };
            let client = Config::parse(&config)
                .and_then(Client::new)
                .map_err(to_napi)?;
            Ok(NativeClient {
                client: Arc::new(with_log(client, log.map(Arc::new))),
            })
        })
    }

    #[napi]
    pub fn provider(&self) -> napi::Result<String> {
        guarded(|| Ok(self.client.provider().as_str().to_owned()))
    }

    #[napi]
    pub fn to_dsn(&self) -> napi::Result<String> {
        guarded(|| Ok(self.client.to_dsn()))
    }

    /// Runs the operation `op` of the core's table (`api::OPERATIONS`) with its JSON argument
    /// object `args` off the JS thread; resolves with the JSON result.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        args: String,
    ) -> napi::Result<Object<'env>> {
        guarded(|| {
            let client = self.client.clone();
            promise(env, move || api::call(Target::Client(&client), &op, &args))
        })
    }

    /// `call`, blocking the calling thread.
    #[napi]
    pub fn call_sync(&self, op: String, args: String) -> napi::Result<String> {
        guarded(|| api::call(Target::Client(&self.client), &op, &args).map_err(to_napi))
    }
}

/// Failover across providers.
#[napi]
pub struct NativeRouter {
    router: Arc<Router>,
}

#[napi]
impl NativeRouter {
    /// `chain` is DSNs joined by `||`, or a list of DSNs (each read the same way); `log`
    /// receives every attempt and wait of every client.
    #[napi(constructor)]
    pub fn new(
        chain: Either<String, Vec<String>>,
        cooldown_ms: Option<u32>,
        log: Option<ThreadsafeFunction<String, (), String, Status, false, true>>,
    ) -> napi::Result<Self> {
        guarded(|| {
            let log = log.map(Arc::new);
            // The chain syntax is the core's (`dsn::split_chain`): a list is never joined in JS.
            let parts = match &chain {
                Either::A(text) => std::slice::from_ref(text),
                Either::B(list) => list.as_slice(),
            };
            let clients = parts
                .iter()
                .flat_map(|part| vibergate_core::split_dsn_chain(part))
                .map(|dsn| Client::from_dsn(dsn).map(|c| with_log(c, log.clone())))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(to_napi_dsn)?;
            let mut router = Router::new(clients).map_err(to_napi_dsn)?;
            if let Some(ms) = cooldown_ms {
                router = router.with_cooldown(std::time::Duration::from_millis(ms.into()));
            }
            Ok(NativeRouter {
                router: Arc::new(router),
            })
        })
    }

    #[napi]
    pub fn to_dsn(&self) -> napi::Result<String> {
        guarded(|| Ok(self.router.to_dsn()))
    }

    /// Runs the router operation `op` of the core's table with its JSON argument object `args`
    /// off the JS thread; resolves with the JSON result.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        args: String,
    ) -> napi::Result<Object<'env>> {
        guarded(|| {
            let router = self.router.clone();
            promise(env, move || api::call(Target::Router(&router), &op, &args))
        })
    }

    /// `call`, blocking the calling thread.
    #[napi]
    pub fn call_sync(&self, op: String, args: String) -> napi::Result<String> {
        guarded(|| api::call(Target::Router(&self.router), &op, &args).map_err(to_napi))
    }

    #[napi]
    pub fn reset_cooldowns(&self) -> napi::Result<()> {
        guarded(|| {
            self.router.reset_cooldowns();
            Ok(())
        })
    }
}

/// The provider emulator.
#[napi]
pub struct NativeSandbox {
    sandbox: Mutex<Option<Sandbox>>,
}

impl NativeSandbox {
    /// Runs `f` on the running sandbox, inside the boundary.
    fn with<T>(
        &self,
        f: impl FnOnce(&Sandbox) -> std::result::Result<T, CoreError>,
    ) -> napi::Result<T> {
        guarded(|| {
            let guard = self.sandbox.lock().unwrap_or_else(|e| e.into_inner());
            let sandbox = guard
                .as_ref()
                .ok_or_else(|| to_napi(CoreError::invalid_config("the sandbox is stopped")))?;
            f(sandbox).map_err(to_napi)
        })
    }
}

#[napi]
impl NativeSandbox {
    #[napi(constructor)]
    pub fn new(config: String) -> napi::Result<Self> {
        guarded(|| {
            let config = SandboxConfig::from_json(&config).map_err(to_napi)?;
            let sandbox = Sandbox::start(config).map_err(to_napi)?;
            Ok(NativeSandbox {
                sandbox: Mutex::new(Some(sandbox)),
            })
        })
    }

    #[napi]
    pub fn base_url(&self) -> napi::Result<String> {
        self.with(|s| Ok(s.base_url()))
    }

    #[napi]
    pub fn dsn(&self, provider: String) -> napi::Result<String> {
        self.with(|s| Ok(s.dsn(provider.parse::<ProviderId>()?)))
    }

    #[napi]
    pub fn requests(&self) -> napi::Result<String> {
        self.with(|s| to_json(&s.requests()))
    }

    #[napi]
    pub fn inject(&self, fault: String) -> napi::Result<()> {
        self.with(|s| {
            s.inject(parse::<Fault>(&fault, "fault")?);
            Ok(())
        })
    }

    #[napi]
    pub fn reset(&self) -> napi::Result<()> {
        self.with(|s| {
            s.reset();
            Ok(())
        })
    }

    #[napi]
    pub fn stop(&self) -> napi::Result<()> {
        guarded(|| {
            drop(
                self.sandbox
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take(),
            );
            Ok(())
        })
    }
}

/// Parses a provider callback; `request` is `{"method","query","body","content_type"}` JSON.
#[napi]
pub fn parse_webhook(provider: String, request: String) -> napi::Result<String> {
    guarded(|| {
        let p = provider.parse::<ProviderId>().map_err(to_napi)?;
        let request: WebhookRequest = parse(&request, "request").map_err(to_napi)?;
        vibergate_core::parse_webhook(p, &request)
            .and_then(|e| to_json(&e))
            .map_err(to_napi)
    })
}

#[napi]
pub fn sms_info(text: String) -> napi::Result<String> {
    guarded(|| to_json(&vibergate_core::sms_info(&text)).map_err(to_napi))
}

#[napi]
pub fn version() -> napi::Result<String> {
    guarded(|| Ok(vibergate_core::VERSION.to_owned()))
}

/// The DSN in `VIBERGATE_DSN`, with the core's meaning of "not set" (unset, empty or white
/// space): what `Client.fromEnv()` reads, so that it agrees with every other language.
#[napi]
pub fn dsn_from_env() -> napi::Result<String> {
    guarded(|| vibergate_core::dsn_from_env().map_err(to_napi_dsn))
}

/// The core's tables as JSON (`{"version","operations","error_codes","delivery_states",
/// "providers"}`): the tests compare `index.js` and `index.d.ts` with them.
#[napi]
pub fn tables() -> napi::Result<String> {
    guarded(|| Ok(api::tables().to_string()))
}
