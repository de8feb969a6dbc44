//! Signed callback URLs. No provider signs its callbacks, so `send` adds a token to every
//! `callback_url`: `vg_token`, the hex HMAC-SHA256 of the callback URL under the client's
//! `webhook_secret`. A receiver that knows the secret and the URL it registered checks the
//! token in constant time; a forged callback cannot produce it.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, ErrorCode, Result};

/// The query parameter that carries the token.
pub const TOKEN_PARAM: &str = "vg_token";

fn mac(secret: &str, url: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(url.as_bytes());
    mac
}

/// `url` with `vg_token` appended.
pub fn sign_callback_url(url: &str, secret: &str) -> String {
    let token: String = mac(secret, url)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{TOKEN_PARAM}={token}")
}

/// Checks the `vg_token` among `query` against `callback_url` (as registered, without the
/// token) in constant time; a missing or wrong token is `auth`.
pub fn verify(query: &[(String, String)], secret: &str, callback_url: &str) -> Result<()> {
    let refuse = |why: &str| {
        Error::new(
            ErrorCode::Auth,
            format!("the callback's {TOKEN_PARAM} {why}: it was not sent by vibergate's provider"),
        )
    };
    let token = query
        .iter()
        .find(|(k, _)| k == TOKEN_PARAM)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| refuse("is missing"))?;
    let bytes: Option<Vec<u8>> = (token.len() == 64)
        .then(|| {
            (0..32)
                .map(|i| u8::from_str_radix(&token[2 * i..2 * i + 2], 16).ok())
                .collect()
        })
        .flatten();
    let bytes = bytes.ok_or_else(|| refuse("is malformed"))?;
    mac(secret, callback_url)
        .verify_slice(&bytes)
        .map_err(|_| refuse("is wrong"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(url: &str) -> Vec<(String, String)> {
        crate::transport::form_decode(url.split_once('?').map(|(_, q)| q).unwrap_or("").as_bytes())
    }

    #[test]
    fn signed_urls_verify_and_forgeries_do_not() {
        let signed = sign_callback_url("https://shop.example/hook?src=viber", "s3cret");
        assert!(signed.starts_with("https://shop.example/hook?src=viber&vg_token="));
        assert!(verify(
            &query(&signed),
            "s3cret",
            "https://shop.example/hook?src=viber"
        )
        .is_ok());
        assert_eq!(
            verify(
                &query(&signed),
                "other",
                "https://shop.example/hook?src=viber"
            )
            .unwrap_err()
            .code(),
            ErrorCode::Auth
        );
        assert_eq!(
            verify(&query(&signed), "s3cret", "https://evil.example/hook")
                .unwrap_err()
                .code(),
            ErrorCode::Auth
        );
        assert_eq!(
            verify(&[], "s3cret", "x").unwrap_err().code(),
            ErrorCode::Auth
        );
        assert_eq!(
            verify(&[("vg_token".into(), "zz".into())], "s3cret", "x")
                .unwrap_err()
                .code(),
            ErrorCode::Auth
        );
    }
}
