//! The boundary between C and Rust: panics caught, pointers checked, strings converted, errors
//! handed out. Every exported function runs its body through [`call`].

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use vibergate_core::{Error, ErrorCode};

use crate::error::vg_error;

/// Runs `body`, turning an `Err` or a panic into `fallback` and, when `err` is not NULL, an
/// error object written to `*err`.
pub(crate) fn call<T>(
    err: *mut *mut vg_error,
    fallback: T,
    body: impl FnOnce() -> Result<T, Error>,
) -> T {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::internal(format!(
            "vibergate panicked: {what} (please report this bug)"
        )))
    });
    match outcome {
        Ok(value) => value,
        Err(error) => {
            if !err.is_null() {
                // SAFETY: the caller passed a writable `vg_error **` (documented contract).
                unsafe { *err = Box::into_raw(Box::new(vg_error::new(error))) };
            }
            fallback
        }
    }
}

/// A borrowed C string as UTF-8; NULL and invalid UTF-8 are `code` errors naming `what`.
pub(crate) fn text<'a>(ptr: *const c_char, what: &str, code: ErrorCode) -> Result<&'a str, Error> {
    if ptr.is_null() {
        return Err(Error::new(code, format!("{what} is NULL")).with_field(what));
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call.
    unsafe { CStr::from_ptr(ptr) }
        .to_str()
        .map_err(|_| Error::new(code, format!("{what} is not valid UTF-8")).with_field(what))
}

/// Parses `ptr` as JSON into `T`; errors are `invalid_message` naming the problem.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    ptr: *const c_char,
    what: &str,
) -> Result<T, Error> {
    let s = text(ptr, what, ErrorCode::InvalidMessage)?;
    serde_json::from_str(s).map_err(|e| {
        Error::invalid_message(what, format!("{what} is not valid JSON for this call: {e}"))
    })
}

/// A reference to the object behind a handle, or an error for NULL.
pub(crate) fn handle<'a, T>(ptr: *const T, what: &str) -> Result<&'a T, Error> {
    // SAFETY: a non-NULL handle was made by this library and not yet freed (documented contract).
    unsafe { ptr.as_ref() }.ok_or_else(|| {
        Error::new(ErrorCode::InvalidConfig, format!("{what} is NULL")).with_field(what)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{vg_code, vg_error_code, vg_error_free};

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let mut err: *mut vg_error = std::ptr::null_mut();
        let result = call(&mut err, 7, || -> Result<i32, Error> { panic!("boom") });
        assert_eq!(result, 7);
        assert_eq!(vg_error_code(err), vg_code::VG_INTERNAL);
        // SAFETY: `err` was just made by `call`.
        assert!(unsafe { &*err }.error.message.contains("boom"));
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
    fn every_core_code_has_a_distinct_c_value() {
        let values: std::collections::BTreeSet<u32> = ErrorCode::ALL
            .iter()
            .map(|c| vg_code::from(*c) as u32)
            .collect();
        assert_eq!(values.len(), ErrorCode::ALL.len());
        assert!(!values.contains(&0));
    }
}
