//! Signed callback URLs. No provider signs its callbacks, so `send` adds a token to every
//! `callback_url`: `vg_token`, the hex HMAC-SHA256 of the callback URL under the client's
//! `webhook_secret`. A receiver that knows the secret and the URL it registered checks the
//! token in constant time; a forged callback cannot produce it.
//!
//! The token arrives from the network: [`verify`] reads it as bytes, never slices it as text,
//! and refuses (never panics on) anything that is not exactly 64 hex digits.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, ErrorCode, Result};

/// The query parameter that carries the token.
pub const TOKEN_PARAM: &str = "vg_token";

/// Hex digits of a token: the HMAC-SHA256 output is 32 bytes.
const TOKEN_HEX_LEN: usize = 64;

/// The HMAC of `url` under `secret`. HMAC accepts keys of any length, so this never fails in
/// practice; the error is still a value, not a panic.
fn mac(secret: &str, url: &str) -> Result<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| Error::internal("the webhook secret cannot key an HMAC"))?;
    mac.update(url.as_bytes());
    Ok(mac)
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// `url` with `vg_token` appended, or an error if the token cannot be computed.
pub fn try_sign_callback_url(url: &str, secret: &str) -> Result<String> {
    let token = hex_lower(&mac(secret, url)?.finalize().into_bytes());
    // The token goes into the query, before any fragment (a fragment never reaches a server).
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = if base.contains('?') { '&' } else { '?' };
    let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
    Ok(format!("{base}{separator}{TOKEN_PARAM}={token}{fragment}"))
}

/// `url` with `vg_token` appended. Should the token ever be impossible to compute, the URL is
/// returned without one, so that the receiver refuses the callbacks (fail closed) rather than
/// accepting unsigned ones; the crate's internal `try_sign_callback_url` reports that case as an
/// error instead.
pub fn sign_callback_url(url: &str, secret: &str) -> String {
    try_sign_callback_url(url, secret).unwrap_or_else(|_| url.to_owned())
}

/// The value of one hex digit, from its ASCII byte.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes exactly 64 hex digits (either case) into the 32 bytes of a token. Works on bytes,
/// so any text (multibyte, emoji, odd length) is a `None`, never a panic.
fn decode_token(token: &str) -> Option<[u8; 32]> {
    let bytes = token.as_bytes();
    if bytes.len() != TOKEN_HEX_LEN {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *slot = (hex_value(*hi)? << 4) | hex_value(*lo)?;
    }
    Some(out)
}

/// Checks the `vg_token` among `query` against `callback_url` (as registered, without the
/// token) in constant time; a missing, malformed or wrong token is `auth`. An empty `secret`
/// would let anyone compute tokens, so it is refused (`invalid_config`, field `secret`).
pub fn verify(query: &[(String, String)], secret: &str, callback_url: &str) -> Result<()> {
    let refuse = |why: &str| {
        Error::new(
            ErrorCode::Auth,
            format!("the callback's {TOKEN_PARAM} {why}: it was not sent by vibergate's provider"),
        )
    };
    if secret.is_empty() {
        return Err(Error::invalid_config(
            "the webhook secret is empty: it cannot tell callbacks from forgeries",
        )
        .with_field("secret"));
    }
    let token = query
        .iter()
        .find(|(k, _)| k == TOKEN_PARAM)
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| refuse("is missing"))?;
    let bytes = decode_token(token).ok_or_else(|| refuse("is malformed"))?;
    mac(secret, callback_url)?
        .verify_slice(&bytes)
        .map_err(|_| refuse("is wrong"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_before_a_fragment() {
        let signed = sign_callback_url("https://shop.example/hook?a=1#dlr", "s3cret");
        let (query, fragment) = signed.split_once('#').unwrap();
        assert_eq!(fragment, "dlr");
        assert!(query.starts_with("https://shop.example/hook?a=1&vg_token="));
        let pairs = crate::transport::form_decode(query.split_once('?').unwrap().1.as_bytes());
        verify(&pairs, "s3cret", "https://shop.example/hook?a=1#dlr").unwrap();
    }

    fn query(url: &str) -> Vec<(String, String)> {
        crate::transport::form_decode(url.split_once('?').map(|(_, q)| q).unwrap_or("").as_bytes())
    }

    fn token_query(token: &str) -> Vec<(String, String)> {
        vec![(TOKEN_PARAM.to_owned(), token.to_owned())]
    }

    fn code_of(token: &str) -> ErrorCode {
        match verify(&token_query(token), "s3cret", "https://shop.example/hook") {
            Ok(()) => panic!("{token:?} must be refused"),
            Err(e) => e.code(),
        }
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

    #[test]
    fn the_token_is_the_known_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let signed = sign_callback_url("what do ya want for nothing?", "Jefe");
        assert!(signed.ends_with(
            "&vg_token=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ));
        // Upper-case hex is the same token.
        let upper = "5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843";
        assert!(verify(&token_query(upper), "Jefe", "what do ya want for nothing?").is_ok());
        assert_eq!(
            try_sign_callback_url("https://x.example/h", "k").ok(),
            Some(sign_callback_url("https://x.example/h", "k"))
        );
    }

    #[test]
    fn hostile_tokens_are_refused_never_a_panic() {
        let valid = hex_lower(
            &mac("s3cret", "https://shop.example/hook")
                .unwrap()
                .finalize()
                .into_bytes(),
        );
        assert!(verify(&token_query(&valid), "s3cret", "https://shop.example/hook").is_ok());
        let mut cases: Vec<String> = vec![
            String::new(),
            "é".repeat(32),                 // 64 bytes, multibyte
            format!("{}é", "a".repeat(62)), // 64 bytes, a multibyte char at the end
            format!("é{}", "a".repeat(62)), // 64 bytes, a multibyte char at the start
            format!("a{}", "é".repeat(31)), // 63 bytes: odd length
            "🙂".repeat(16),                // 64 bytes of emoji
            "a".repeat(63),
            "a".repeat(65),
            "g".repeat(64),  // 64 chars, not hex
            "+f".repeat(32), // from_str_radix would take "+f"
            " 0".repeat(32),
            "0x".repeat(32),
            format!("{}\0", &valid[..63]),
            "\u{0}".repeat(64),
        ];
        // The valid token with one digit replaced by a multibyte char of the same length budget.
        cases.push(format!("{}ü", &valid[..62]));
        for token in &cases {
            assert_eq!(code_of(token), ErrorCode::Auth, "{token:?}");
        }
        // Every single-byte corruption of a valid token is refused.
        for i in 0..valid.len() {
            let mut bytes = valid.clone().into_bytes();
            bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
            let forged = String::from_utf8(bytes).unwrap();
            assert_eq!(code_of(&forged), ErrorCode::Auth, "{forged}");
        }
    }

    #[test]
    fn an_empty_secret_is_refused() {
        let signed = sign_callback_url("https://shop.example/hook", "");
        let err = verify(&query(&signed), "", "https://shop.example/hook").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field.as_deref(), Some("secret"));
    }

    #[test]
    fn decode_token_reads_bytes() {
        assert_eq!(decode_token(&"ff".repeat(32)), Some([0xff; 32]));
        assert_eq!(decode_token(&"0A".repeat(32)), Some([0x0a; 32]));
        assert_eq!(decode_token(&"0".repeat(64)), Some([0; 32]));
        assert_eq!(decode_token("é"), None);
    }
}
