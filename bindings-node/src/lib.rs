//! The native addon behind the `vibergate` npm package: a thin napi-rs layer over
//! `vibergate-core`. Operations take and return JSON text (snake_case, the C ABI's shapes); the
//! camelCase, Promise-based API is `index.js`. Async calls run on this addon's own threads (`pool`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

mod pool;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vibergate_core::sandbox::{Fault, Sandbox, SandboxConfig};
use vibergate_core::{
    Client, Config, Error as CoreError, ErrorCode, InboundQuery, ListMessage, Message,
    PersonalizedMessage, ProviderId, RoutedId, Router, WebhookRequest,
};

/// A core error crosses as its JSON in the message; `index.js` turns it into `VibergateError`.
fn to_napi(error: CoreError) -> napi::Error {
    napi::Error::from_reason(error.to_json())
}

fn parse<T: serde::de::DeserializeOwned>(
    json: &str,
    what: &str,
) -> std::result::Result<T, CoreError> {
    serde_json::from_str(json).map_err(|e| CoreError::invalid_message(what, format!("{what}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> std::result::Result<String, CoreError> {
    serde_json::to_string(value).map_err(|e| CoreError::internal(e.to_string()))
}

/// Runs one operation by name with its JSON arguments; every operation of SPEC §6 is here once.
fn run(client: &Client, op: &str, args: &str) -> std::result::Result<String, CoreError> {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Args {
        ids: Vec<String>,
        id: String,
        page: Option<u32>,
        offset: Option<u32>,
        limit: Option<u32>,
    }
    let simple = || -> std::result::Result<Args, CoreError> {
        if args.trim().is_empty() {
            Ok(Args::default())
        } else {
            parse(args, "arguments")
        }
    };
    match op {
        "send" => to_json(&client.send(&parse::<Message>(args, "message")?)?),
        "send_personalized" => {
            to_json(&client.send_personalized(&parse::<PersonalizedMessage>(args, "message")?)?)
        }
        "status" => to_json(&client.status(&simple()?.ids)?),
        "status_batch" => to_json(&client.status_batch(&simple()?.id)?),
        "balance" => to_json(&client.balance()?),
        "rates" => to_json(&client.rates()?),
        "chats" => to_json(&client.chats(simple()?.page.unwrap_or(1))?),
        "chat" => {
            let a = simple()?;
            to_json(&client.chat(&a.id, a.page.unwrap_or(1))?)
        }
        "inbound" => to_json(&client.inbound(&parse::<InboundQuery>(args, "query")?)?),
        "capabilities" => to_json(&client.capabilities()),
        "send_to_list" => to_json(&client.send_to_list(&parse::<ListMessage>(args, "message")?)?),
        "confirm_mailing" => {
            let id = simple()?.id;
            client.confirm_mailing(&id)?;
            to_json(&serde_json::json!({ "confirmed": id }))
        }
        "mailings" => {
            let a = simple()?;
            to_json(&client.mailings(a.offset.unwrap_or(0), a.limit.unwrap_or(100))?)
        }
        "mailing" => to_json(&client.mailing(&simple()?.id)?),
        "delivery_list" => to_json(&client.delivery_list(&simple()?.id)?),
        "mark_inbound_read" => {
            to_json(&serde_json::json!({ "marked": client.mark_inbound_read(&simple()?.ids)? }))
        }
        other => Err(
            CoreError::new(ErrorCode::Unsupported, format!("no operation {other:?}"))
                .with_field("operation"),
        ),
    }
}

/// `op`'s result, with a panic turned into an `internal` error.
fn guarded(op: impl FnOnce() -> std::result::Result<String, CoreError>) -> napi::Result<String> {
    catch_unwind(AssertUnwindSafe(op))
        .unwrap_or_else(|_| {
            Err(CoreError::internal(
                "vibergate panicked (please report this bug)",
            ))
        })
        .map_err(to_napi)
}

/// A Promise settled with what `work` returns, which runs on a `pool` thread.
fn promise<'env>(
    env: &'env Env,
    work: impl FnOnce() -> napi::Result<String> + Send + 'static,
) -> napi::Result<Object<'env>> {
    let (deferred, promise) = env.create_deferred()?;
    pool::spawn(move || match work() {
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
    /// `config` is a DSN or a JSON configuration.
    #[napi(constructor)]
    pub fn new(config: String) -> napi::Result<Self> {
        let config = config.trim();
        let config = if config.starts_with('{') {
            Config::from_json(config)
        } else {
            Config::from_dsn(config)
        }
        .map_err(to_napi)?;
        Ok(NativeClient {
            client: Arc::new(Client::new(config).map_err(to_napi)?),
        })
    }

    #[napi]
    pub fn provider(&self) -> String {
        self.client.provider().as_str().to_owned()
    }

    #[napi]
    pub fn to_dsn(&self) -> String {
        self.client.to_dsn()
    }

    /// Runs `op` with JSON `args` off the JS thread; resolves with the JSON result.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        args: String,
    ) -> napi::Result<Object<'env>> {
        let client = self.client.clone();
        promise(env, move || guarded(|| run(&client, &op, &args)))
    }

    /// `call`, blocking the calling thread.
    #[napi]
    pub fn call_sync(&self, op: String, args: String) -> napi::Result<String> {
        guarded(|| run(&self.client, &op, &args))
    }
}

/// Failover across providers (SPEC §10).
#[napi]
pub struct NativeRouter {
    router: Arc<Router>,
}

fn run_router(router: &Router, op: &str, args: &str) -> std::result::Result<String, CoreError> {
    match op {
        "send" => to_json(&router.send(&parse::<Message>(args, "message")?)?),
        "send_personalized" => {
            to_json(&router.send_personalized(&parse::<PersonalizedMessage>(args, "message")?)?)
        }
        "status" => {
            let ids: Vec<RoutedId> = parse(args, "ids")?;
            to_json(&router.status(&ids.into_iter().map(Into::into).collect::<Vec<_>>())?)
        }
        other => Err(CoreError::new(
            ErrorCode::Unsupported,
            format!("no router operation {other:?}"),
        )
        .with_field("operation")),
    }
}

#[napi]
impl NativeRouter {
    /// `chain` is DSNs joined by `||`.
    #[napi(constructor)]
    pub fn new(chain: String, cooldown_ms: Option<u32>) -> napi::Result<Self> {
        let mut router = Router::from_dsn(&chain).map_err(to_napi)?;
        if let Some(ms) = cooldown_ms {
            router = router.with_cooldown(std::time::Duration::from_millis(ms.into()));
        }
        Ok(NativeRouter {
            router: Arc::new(router),
        })
    }

    #[napi]
    pub fn to_dsn(&self) -> String {
        self.router.to_dsn()
    }

    #[napi(ts_return_type = "Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        args: String,
    ) -> napi::Result<Object<'env>> {
        let router = self.router.clone();
        promise(env, move || guarded(|| run_router(&router, &op, &args)))
    }

    #[napi]
    pub fn call_sync(&self, op: String, args: String) -> napi::Result<String> {
        guarded(|| run_router(&self.router, &op, &args))
    }

    #[napi]
    pub fn reset_cooldowns(&self) {
        self.router.reset_cooldowns();
    }
}

/// The provider emulator.
#[napi]
pub struct NativeSandbox {
    sandbox: Mutex<Option<Sandbox>>,
}

impl NativeSandbox {
    fn with<T>(
        &self,
        f: impl FnOnce(&Sandbox) -> std::result::Result<T, CoreError>,
    ) -> napi::Result<T> {
        let guard = self.sandbox.lock().unwrap_or_else(|e| e.into_inner());
        let sandbox = guard
            .as_ref()
            .ok_or_else(|| to_napi(CoreError::invalid_config("the sandbox is stopped")))?;
        f(sandbox).map_err(to_napi)
    }
}

#[napi]
impl NativeSandbox {
    #[napi(constructor)]
    pub fn new(config: String) -> napi::Result<Self> {
        let config: SandboxConfig = serde_json::from_str(&config)
            .map_err(|e| to_napi(CoreError::invalid_config(format!("sandbox config: {e}"))))?;
        let sandbox = Sandbox::start(config).map_err(|e| {
            to_napi(CoreError::new(
                ErrorCode::Transport,
                format!("cannot start the sandbox: {e}"),
            ))
        })?;
        Ok(NativeSandbox {
            sandbox: Mutex::new(Some(sandbox)),
        })
    }

    #[napi]
    pub fn base_url(&self) -> napi::Result<String> {
        self.with(|s| Ok(s.base_url()))
    }

    #[napi]
    pub fn dsn(&self, provider: String) -> napi::Result<String> {
        self.with(|s| {
            let p = ProviderId::parse(&provider).ok_or_else(|| {
                CoreError::invalid_config(format!("unknown provider {provider:?}"))
            })?;
            Ok(s.dsn(p))
        })
    }

    #[napi]
    pub fn requests(&self) -> napi::Result<String> {
        self.with(|s| to_json(&s.requests()))
    }

    #[napi]
    pub fn inject(&self, fault: String) -> napi::Result<()> {
        let fault: Fault = parse(&fault, "fault").map_err(to_napi)?;
        self.with(|s| {
            s.inject(fault);
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
    pub fn stop(&self) {
        drop(
            self.sandbox
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
    }
}

/// Parses a provider callback; `request` is `{"method","query","body","content_type"}` JSON.
#[napi]
pub fn parse_webhook(provider: String, request: String) -> napi::Result<String> {
    let p = ProviderId::parse(&provider).ok_or_else(|| {
        to_napi(CoreError::invalid_message(
            "provider",
            format!("unknown provider {provider:?}"),
        ))
    })?;
    let request: WebhookRequest = parse(&request, "request").map_err(to_napi)?;
    vibergate_core::parse_webhook(p, &request)
        .and_then(|e| to_json(&e))
        .map_err(to_napi)
}

#[napi]
pub fn sms_info(text: String) -> String {
    to_json(&vibergate_core::sms_info(&text)).unwrap_or_default()
}

#[napi]
pub fn version() -> String {
    vibergate_core::VERSION.to_owned()
}
