//! The boundary between C and Rust: panics caught, pointers checked, strings converted, errors
//! handed out.
//!
//! Every exported body runs inside [`catch`], the one place that calls `catch_unwind`, through
//! one of its three shapes: [`call`] (functions with a `vg_error **err` out-parameter returning
//! a pointer or value), [`call_code`] (functions returning a `vg_code`) and [`guard`] (functions
//! with no way to report an error: the `_free` functions and the error accessors). A panic
//! returns the function's failure value (NULL, `VG_INTERNAL`, or nothing) and, where there is
//! an `err`, a `VG_INTERNAL` error. Its message never repeats the panic's payload: a panic
//! message may quote the input being parsed (a DSN with its token, a header value), and an
//! error must never carry a credential.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use vibergate_core::{Error, ErrorCode, ProviderId};

use crate::error::{vg_code, vg_error};

/// Runs `body` inside the panic boundary: a panic becomes an `internal` error.
pub(crate) fn catch<T>(body: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(|| {
        #[cfg(test)]
        test_hooks::panic_if_armed();
        body()
    }))
    .unwrap_or_else(|_| Err(Error::from_panic()))
}

/// Stores a new error object in `*err` when `err` is not NULL.
fn report(err: *mut *mut vg_error, error: Error) {
    if !err.is_null() {
        // SAFETY: the caller passed a writable `vg_error **` (documented contract).
        unsafe { *err = Box::into_raw(Box::new(vg_error::new(error))) };
    }
}

/// Runs `body`, turning an `Err` or a panic into `fallback` and, when `err` is not NULL, an
/// error object written to `*err`.
pub(crate) fn call<T>(
    err: *mut *mut vg_error,
    fallback: T,
    body: impl FnOnce() -> Result<T, Error>,
) -> T {
    match catch(body) {
        Ok(value) => value,
        Err(error) => {
            report(err, error);
            fallback
        }
    }
}

/// Runs `body` for a function that returns a `vg_code`: `VG_OK`, or the failure's own code
/// (`VG_INTERNAL` for a panic) with the error object written to `*err`.
pub(crate) fn call_code(
    err: *mut *mut vg_error,
    body: impl FnOnce() -> Result<(), Error>,
) -> vg_code {
    match catch(body) {
        Ok(()) => vg_code::VG_OK,
        Err(error) => {
            let code = error.code().into();
            report(err, error);
            code
        }
    }
}

/// Runs `body` for a function that has no way to report an error (`_free`, the error
/// accessors, …): a panic returns `fallback`.
pub(crate) fn guard<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch(|| Ok(body())).unwrap_or(fallback)
}

/// A borrowed C string as UTF-8; NULL and invalid UTF-8 are `code` errors that name the
/// function and the argument (`vg_send: message_json is NULL`).
pub(crate) fn text<'a>(
    ptr: *const c_char,
    func: &str,
    what: &str,
    code: ErrorCode,
) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::new(code, format!("{func}: {what} is NULL")).with_field(what));
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call.
    unsafe { CStr::from_ptr(ptr) }.to_str().map_err(|_| {
        Error::new(code, format!("{func}: {what} is not valid UTF-8")).with_field(what)
    })
}

/// Parses `ptr` as JSON into `T`. An error is `invalid_message` that names the function and
/// the argument, then says what is wrong in the core's words (`vg_send: message_json: unknown
/// field "txt" (did you mean "text"?)`); its `field` is the path inside the JSON when there is
/// one, else the argument.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    ptr: *const c_char,
    func: &str,
    what: &str,
) -> Result<T, Error> {
    let s = text(ptr, func, what, ErrorCode::InvalidMessage)?;
    vibergate_core::suggest::parse_json(s).map_err(|e| about(func, what, &e))
}

/// `error`, about argument `what` of `func`: its message says so first (`vg_client_new:
/// dsn_or_json: unknown DSN option "colour"`), its `field` is kept, else set to `what`.
pub(crate) fn about(func: &str, what: &str, error: &Error) -> Error {
    Error::new(error.code(), format!("{func}: {what}: {}", error.message))
        .with_field(error.field.as_deref().unwrap_or(what))
}

/// The provider named by the argument `provider` of `func`. An unknown name is the core's one
/// error for it (`invalid_config` on `provider`, with the nearest name), said by `func`.
pub(crate) fn provider_arg(ptr: *const c_char, func: &str) -> Result<ProviderId, Error> {
    let name = text(ptr, func, "provider", ErrorCode::InvalidConfig)?;
    name.parse::<ProviderId>().map_err(|e| {
        Error::new(e.code(), format!("{func}: {}", e.message))
            .with_field(e.field.as_deref().unwrap_or("provider"))
    })
}

/// A reference to the object behind a handle, or an error for NULL naming the function.
pub(crate) fn handle<'a, T>(ptr: *const T, func: &str, what: &str) -> Result<&'a T, Error> {
    // SAFETY: a non-NULL handle was made by this library and not yet freed (documented contract).
    unsafe { ptr.as_ref() }.ok_or_else(|| {
        Error::new(ErrorCode::InvalidConfig, format!("{func}: {what} is NULL")).with_field(what)
    })
}

/// A new C string the caller frees with `vg_string_free`. Interior NULs cannot occur in JSON
/// text, but are replaced defensively.
pub(crate) fn owned(s: String) -> *mut c_char {
    CString::new(s)
        .unwrap_or_else(|e| {
            let mut bytes = e.into_vec();
            bytes.retain(|b| *b != 0);
            CString::new(bytes).unwrap_or_default()
        })
        .into_raw()
}

/// Serialises a result for the caller.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<*mut c_char, Error> {
    serde_json::to_string(value)
        .map(owned)
        .map_err(|e| Error::internal(format!("cannot serialise the result: {e}")))
}

/// Test-only: makes the next boundary entered on this thread panic inside it, so that tests
/// can prove every export runs inside the boundary. Not compiled into the library.
#[cfg(test)]
pub(crate) mod test_hooks {
    use std::cell::Cell;

    thread_local! {
        static ARMED: Cell<bool> = const { Cell::new(false) };
    }

    /// The next boundary entered on this thread panics.
    pub(crate) fn arm() {
        ARMED.with(|a| a.set(true));
    }

    /// Whether a boundary has fired the armed panic since `arm`.
    pub(crate) fn fired() -> bool {
        !ARMED.with(Cell::get)
    }

    pub(super) fn panic_if_armed() {
        if ARMED.with(|a| a.replace(false)) {
            panic!("a test panic inside the boundary, quoting a SECRET input");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{vg_error_code, vg_error_free};

    #[test]
    fn a_panic_becomes_an_internal_error_without_its_payload() {
        let mut err: *mut vg_error = std::ptr::null_mut();
        let result = call(&mut err, 7, || -> Result<i32, Error> {
            panic!("boom: smsclub://SECRET@default")
        });
        assert_eq!(result, 7);
        assert_eq!(vg_error_code(err), vg_code::VG_INTERNAL);
        // SAFETY: `err` was just made by `call`.
        let message = &unsafe { &*err }.error.message;
        assert!(message.contains("panicked"), "{message}");
        assert!(
            !message.contains("SECRET") && !message.contains("boom"),
            "{message}"
        );
        vg_error_free(err);
    }

    #[test]
    fn err_is_written_only_on_failure() {
        let mut err: *mut vg_error = std::ptr::null_mut();
        assert_eq!(call(&mut err, 0, || Ok(1)), 1);
        assert!(err.is_null());
        // A NULL `err` is allowed.
        assert_eq!(
            call(std::ptr::null_mut(), 0, || Err(Error::internal("x"))),
            0
        );
    }

    #[test]
    fn call_code_returns_the_failure_s_own_code() {
        let mut err: *mut vg_error = std::ptr::null_mut();
        assert_eq!(call_code(&mut err, || Ok(())), vg_code::VG_OK);
        assert!(err.is_null());
        let code = call_code(&mut err, || Err(Error::invalid_config("x")));
        assert_eq!(code, vg_code::VG_INVALID_CONFIG);
        assert_eq!(vg_error_code(err), vg_code::VG_INVALID_CONFIG);
        vg_error_free(err);
        assert_eq!(
            call_code(std::ptr::null_mut(), || panic!("boom")),
            vg_code::VG_INTERNAL
        );
    }

    #[test]
    fn guard_returns_the_fallback_on_a_panic() {
        assert_eq!(guard(3, || 4), 4);
        assert_eq!(guard(3, || panic!("boom")), 3);
    }

    #[test]
    fn every_core_code_has_a_distinct_c_value() {
        let values: std::collections::BTreeSet<u32> = ErrorCode::ALL
            .iter()
            .map(|c| vg_code::from(*c) as u32)
            .collect();
        assert_eq!(values.len(), ErrorCode::ALL.len());
        assert!(!values.contains(&0));
    }

    #[test]
    fn argument_errors_name_the_function_the_argument_and_the_field() {
        let message = c"{\"to\":[\"380989361121\"],\"sms_fallback\":{\"txt\":\"Hi\"}}";
        let e = json::<vibergate_core::Message>(message.as_ptr(), "vg_send", "message_json")
            .unwrap_err();
        assert_eq!(
            e.message,
            r#"vg_send: message_json: unknown field "txt" in "sms_fallback" (did you mean "text"?)"#
        );
        assert_eq!(e.field.as_deref(), Some("sms_fallback.txt"));
        assert_eq!(e.code(), ErrorCode::InvalidMessage);

        let e = json::<vibergate_core::Message>(c"{\"to\":".as_ptr(), "vg_send", "message_json")
            .unwrap_err();
        assert!(
            e.message
                .starts_with("vg_send: message_json: not valid JSON: EOF while parsing"),
            "{}",
            e.message
        );
        assert_eq!(e.field.as_deref(), Some("message_json"));

        let e = json::<vibergate_core::Message>(std::ptr::null(), "vg_send", "message_json")
            .unwrap_err();
        assert_eq!(e.message, "vg_send: message_json is NULL");

        let e = handle::<u8>(std::ptr::null(), "vg_status", "client").unwrap_err();
        assert_eq!(e.message, "vg_status: client is NULL");
        assert_eq!(e.code(), ErrorCode::InvalidConfig);
    }
}
