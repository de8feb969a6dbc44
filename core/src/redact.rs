//! Removing credentials from whatever a provider sends back (no error, log line or
//! `Debug` output ever contains a credential).
//!
//! A provider that echoes the request shows a credential in the form it travelled in, not
//! only raw: `Authorization: Basic <base64>`, `token=tok%2FSECRET` in a form body, `"tok\/SECRET"`
//! in JSON, `tok&#47;SECRET` in an HTML error page. [`Redactor`] knows every credential of a
//! client and replaces each of these forms with `***`:
//!
//! - **Which values.** `token`, `api_key`, `webhook_secret` and the proxy's password (from the
//!   `proxy` option or from `HTTPS_PROXY`/`ALL_PROXY`; the proxy's user name too when it has no
//!   password, since it is then the credential). User names (Intel-Tele's `username`, a proxy
//!   user with a password) are not secrets: they appear in `to_dsn()`, and scrubbing a common
//!   word would mangle answers. They are part of the combined forms below.
//! - **Base64.** The exact encodings (standard and URL-safe alphabets, with and without
//!   padding) of `S`, `S:`, `:S` and `user:S` (the Basic credentials a user might configure),
//!   and, for any other base64 text that contains `S` at any byte offset, the run of base64
//!   characters that depends on `S` alone (at least [`MIN_BASE64_RUN`] characters).
//! - **Escapes, on any form above.** Each character may appear raw, percent-encoded (`%2F` or
//!   `%2f`, any subset of characters; `+` for a space as in forms), JSON-escaped (`\/`, `\"`,
//!   `\uXXXX` including surrogate pairs) or as an HTML character reference (`&amp;`, `&#47;`,
//!   `&#x2F;`).
//! - **Short values.** A credential shorter than [`MIN_SECRET_LEN`] bytes is not scrubbed in
//!   any form: replacing every occurrence of two or three characters would mangle answers
//!   (message ids included) and point at the value anyway. Such credentials are accepted,
//!   since a provider decides what its tokens look like, but cannot be kept out of errors.
//!
//! Matches that overlap or touch are merged into one `***`. Scanning does not allocate unless
//! something matches, and looks at each byte once per credential form that can start there.

use std::fmt;

use base64::Engine;

use crate::config::{Config, Secret};

/// Credentials shorter than this (in bytes) are not scrubbed.
pub(crate) const MIN_SECRET_LEN: usize = 4;
/// The shortest base64 run scrubbed when a credential sits at an arbitrary offset inside some
/// larger base64 text; shorter runs would match unrelated text too often.
pub(crate) const MIN_BASE64_RUN: usize = 8;

const MASK: &[u8] = b"***";

/// Every form of a client's credentials, ready to scrub answers and messages.
#[derive(Clone)]
pub(crate) struct Redactor {
    /// Distinct forms, longest first, each at least [`MIN_SECRET_LEN`] bytes.
    patterns: Vec<Vec<u8>>,
    /// For each byte value, the patterns whose first byte it is.
    starts: Vec<Vec<usize>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("forms", &self.patterns.len())
            .finish()
    }
}

impl Redactor {
    /// The redactor for `config`'s credentials, including those of the proxy the client uses.
    pub(crate) fn new(config: &Config) -> Redactor {
        let mut secrets: Vec<String> = Vec::new();
        let mut pairs: Vec<(String, String)> = Vec::new();
        let expose = |s: &Option<Secret>| s.as_ref().map(|s| s.expose().to_owned());
        secrets.extend(expose(&config.token));
        secrets.extend(expose(&config.api_key));
        secrets.extend(expose(&config.webhook_secret));
        if let (Some(user), Some(key)) = (&config.username, &config.api_key) {
            pairs.push((user.clone(), key.expose().to_owned()));
        }
        // The proxy as the transport will use it; a bad one fails the client's construction
        // anyway, so there is nothing to scrub for it here.
        if let Ok(Some(proxy)) = crate::config::effective_proxy(config) {
            match (proxy.username(), proxy.password()) {
                (Some(user), Some(password)) => {
                    secrets.push(password.to_owned());
                    pairs.push((user.to_owned(), password.to_owned()));
                }
                (Some(user), None) => secrets.push(user.to_owned()),
                (None, Some(password)) => secrets.push(password.to_owned()),
                (None, None) => {}
            }
        }
        Redactor::from_parts(&secrets, &pairs)
    }

    /// A redactor for `secrets` and for `user:secret` `pairs` (whose user alone is no secret).
    pub(crate) fn from_parts(secrets: &[String], pairs: &[(String, String)]) -> Redactor {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET_LEN) {
            let s = secret.as_bytes();
            patterns.push(s.to_vec());
            for plain in [s.to_vec(), concat(s, b":"), concat(b":", s)] {
                push_base64_exact(&mut patterns, &plain);
            }
            push_base64_runs(&mut patterns, s);
        }
        for (user, secret) in pairs.iter().filter(|(_, s)| s.len() >= MIN_SECRET_LEN) {
            let plain = concat(&concat(user.as_bytes(), b":"), secret.as_bytes());
            push_base64_exact(&mut patterns, &plain);
        }
        patterns.retain(|p| p.len() >= MIN_SECRET_LEN);
        patterns.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        patterns.dedup();
        let mut starts: Vec<Vec<usize>> = vec![Vec::new(); 256];
        for (i, p) in patterns.iter().enumerate() {
            if let Some(list) = p.first().and_then(|b| starts.get_mut(usize::from(*b))) {
                list.push(i);
            }
        }
        Redactor { patterns, starts }
    }

    /// True when there is nothing to scrub.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// `bytes` with every form of every credential replaced by `***`; `bytes` itself, without
    /// any allocation, when none occurs.
    pub(crate) fn scrub(&self, bytes: Vec<u8>) -> Vec<u8> {
        let spans = self.find(&bytes);
        if spans.is_empty() {
            return bytes;
        }
        let removed = spans
            .iter()
            .fold(0usize, |n, (a, b)| n.saturating_add(b.saturating_sub(*a)));
        let mut out = Vec::with_capacity(
            bytes
                .len()
                .saturating_sub(removed)
                .saturating_add(spans.len().saturating_mul(MASK.len())),
        );
        let mut at = 0;
        for (start, end) in spans {
            out.extend_from_slice(bytes.get(at..start).unwrap_or_default());
            out.extend_from_slice(MASK);
            at = end;
        }
        out.extend_from_slice(bytes.get(at..).unwrap_or_default());
        out
    }

    /// [`Redactor::scrub`] for text. Matches start and end on character boundaries, so the
    /// result stays valid UTF-8 (anything else would be replaced, never a panic).
    pub(crate) fn scrub_str(&self, s: &str) -> String {
        if self.find(s.as_bytes()).is_empty() {
            return s.to_owned();
        }
        match String::from_utf8(self.scrub(s.as_bytes().to_vec())) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    /// The byte ranges to mask, in order, merged where they overlap or touch.
    fn find(&self, body: &[u8]) -> Vec<(usize, usize)> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        if self.patterns.is_empty() {
            return spans;
        }
        for p in 0..body.len() {
            let Some(end) = self.longest_match_at(body, p) else {
                continue;
            };
            match spans.last_mut() {
                Some(last) if p <= last.1 => last.1 = last.1.max(end),
                _ => spans.push((p, end)),
            }
        }
        spans
    }

    /// The end of the longest form that starts at `p`, if any.
    fn longest_match_at(&self, body: &[u8], p: usize) -> Option<usize> {
        let literal = *body.get(p)?;
        let decoded = decode_unit(body, p).and_then(|(unit, _)| unit.bytes().first().copied());
        let mut best: Option<usize> = None;
        let candidates = self.candidates(literal);
        let more = match decoded {
            Some(d) if d != literal => self.candidates(d),
            _ => &[],
        };
        for &i in candidates.iter().chain(more) {
            let Some(pattern) = self.patterns.get(i) else {
                continue;
            };
            let end =
                match_at(body, p, pattern, true).or_else(|| match_at(body, p, pattern, false));
            if let Some(end) = end {
                best = Some(best.map_or(end, |b| b.max(end)));
            }
        }
        best
    }

    fn candidates(&self, first: u8) -> &[usize] {
        self.starts
            .get(usize::from(first))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn concat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(a.len().saturating_add(b.len()));
    v.extend_from_slice(a);
    v.extend_from_slice(b);
    v
}

/// The whole base64 encodings of `plain`, in both alphabets, padded and not.
fn push_base64_exact(patterns: &mut Vec<Vec<u8>>, plain: &[u8]) {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        patterns.push(engine.encode(plain).into_bytes());
    }
}

/// For `secret` at each byte offset modulo 3 inside larger base64 text: the base64 characters
/// whose six bits all come from `secret`, in both alphabets.
fn push_base64_runs(patterns: &mut Vec<Vec<u8>>, secret: &[u8]) {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let Some(secret_bits) = secret.len().checked_mul(8) else {
        return;
    };
    for offset in 0..3usize {
        let plain = concat(&vec![0u8; offset], secret);
        let pad_bits = offset.saturating_mul(8);
        // Character c covers bits [6c, 6c + 6): keep those inside the secret's bits.
        let first = pad_bits.div_ceil(6);
        let Some(last) = pad_bits.checked_add(secret_bits).map(|b| b / 6) else {
            continue;
        };
        for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let encoded = engine.encode(&plain).into_bytes();
            if let Some(run) = encoded.get(first..last) {
                if run.len() >= MIN_BASE64_RUN {
                    patterns.push(run.to_vec());
                }
            }
        }
    }
}

/// One decoded escape: up to four bytes (one UTF-8 character, or one byte).
#[derive(Clone, Copy)]
struct Unit {
    buf: [u8; 4],
    len: usize,
}

impl Unit {
    fn byte(b: u8) -> Unit {
        Unit {
            buf: [b, 0, 0, 0],
            len: 1,
        }
    }

    fn char(c: char) -> Unit {
        let mut buf = [0u8; 4];
        let len = c.encode_utf8(&mut buf).len();
        Unit { buf, len }
    }

    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// Tries `pattern` at `body[start..]`, each pattern byte raw or inside an escape. With
/// `literal_first`, a byte that equals the pattern's is taken raw even if it begins an escape
/// (finds raw occurrences); without, escapes are preferred (finds encoded `%`, `\`, `&`, `+`).
fn match_at(body: &[u8], start: usize, pattern: &[u8], literal_first: bool) -> Option<usize> {
    let mut p = start;
    let mut j = 0;
    while j < pattern.len() {
        let want = *pattern.get(j)?;
        let have = *body.get(p)?;
        if literal_first && have == want {
            p = p.checked_add(1)?;
            j = j.checked_add(1)?;
            continue;
        }
        if let Some((unit, len)) = decode_unit(body, p) {
            let rest = pattern.get(j..)?;
            if rest.starts_with(unit.bytes()) {
                p = p.checked_add(len)?;
                j = j.checked_add(unit.len)?;
                continue;
            }
        }
        if have == want {
            p = p.checked_add(1)?;
            j = j.checked_add(1)?;
            continue;
        }
        return None;
    }
    Some(p)
}

fn hex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// The escape that begins at `body[p]`, decoded, and its length in bytes.
fn decode_unit(body: &[u8], p: usize) -> Option<(Unit, usize)> {
    let at = |i: usize| p.checked_add(i).and_then(|k| body.get(k)).copied();
    match at(0)? {
        b'+' => Some((Unit::byte(b' '), 1)),
        b'%' => {
            let v = hex(at(1)?)?.checked_mul(16)?.checked_add(hex(at(2)?)?)?;
            Some((Unit::byte(u8::try_from(v).ok()?), 3))
        }
        b'\\' => {
            let simple = |c: u8| Some((Unit::byte(c), 2));
            match at(1)? {
                b'"' => simple(b'"'),
                b'\\' => simple(b'\\'),
                b'/' => simple(b'/'),
                b'b' => simple(0x08),
                b'f' => simple(0x0c),
                b'n' => simple(b'\n'),
                b'r' => simple(b'\r'),
                b't' => simple(b'\t'),
                b'u' => {
                    let hi = hex4(body, p.checked_add(2)?)?;
                    if (0xD800..0xDC00).contains(&hi) {
                        // A surrogate pair: \uD83D\uDE00.
                        if at(6)? != b'\\' || at(7)? != b'u' {
                            return None;
                        }
                        let lo = hex4(body, p.checked_add(8)?)?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return None;
                        }
                        let code = 0x10000u32
                            .checked_add(hi.checked_sub(0xD800)?.checked_mul(0x400)?)?
                            .checked_add(lo.checked_sub(0xDC00)?)?;
                        Some((Unit::char(char::from_u32(code)?), 12))
                    } else {
                        Some((Unit::char(char::from_u32(hi)?), 6))
                    }
                }
                _ => None,
            }
        }
        b'&' => decode_entity(body, p),
        _ => None,
    }
}

fn hex4(body: &[u8], p: usize) -> Option<u32> {
    let digits = body.get(p..p.checked_add(4)?)?;
    digits
        .iter()
        .try_fold(0u32, |acc, b| acc.checked_mul(16)?.checked_add(hex(*b)?))
}

/// An HTML character reference at `body[p]` (`&amp;`, `&#47;`, `&#x2F;`…).
fn decode_entity(body: &[u8], p: usize) -> Option<(Unit, usize)> {
    // The longest reference read: `&#x10FFFF;` / `&#1114111;`.
    let window = body.get(p..body.len().min(p.checked_add(11)?))?;
    let semi = window.iter().position(|b| *b == b';')?;
    let name = window.get(1..semi)?;
    let len = semi.checked_add(1)?;
    let named = |c: u8| Some((Unit::byte(c), len));
    match name {
        b"amp" => named(b'&'),
        b"lt" => named(b'<'),
        b"gt" => named(b'>'),
        b"quot" => named(b'"'),
        b"apos" => named(b'\''),
        _ => {
            let num = name.strip_prefix(b"#")?;
            let code = match num.strip_prefix(b"x").or_else(|| num.strip_prefix(b"X")) {
                Some(hex_digits) if !hex_digits.is_empty() => hex_digits
                    .iter()
                    .try_fold(0u32, |acc, b| acc.checked_mul(16)?.checked_add(hex(*b)?))?,
                Some(_) => return None,
                None if !num.is_empty() => num.iter().try_fold(0u32, |acc, b| {
                    acc.checked_mul(10)?
                        .checked_add(char::from(*b).to_digit(10)?)
                })?,
                None => return None,
            };
            Some((Unit::char(char::from_u32(code)?), len))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

    const KEY: &str = "k3y/Sécret+=?&\"x";

    fn redactor() -> Redactor {
        Redactor::from_parts(
            &[KEY.to_owned(), "tok_9f8e7d6c".to_owned()],
            &[("shop-user".to_owned(), KEY.to_owned())],
        )
    }

    fn scrubbed(r: &Redactor, text: &str) -> String {
        r.scrub_str(text)
    }

    fn assert_masked(r: &Redactor, form: &str, what: &str) {
        let body = format!("{{\"echo\":\"before {form} after\"}}");
        let out = scrubbed(r, &body);
        assert_eq!(
            out, "{\"echo\":\"before *** after\"}",
            "{what}: {form:?} was not masked as a whole"
        );
        // Also as raw bytes, and at the very start and end of a body.
        assert_eq!(r.scrub(form.as_bytes().to_vec()), b"***".to_vec(), "{what}");
    }

    const FORM: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'*')
        .remove(b'-')
        .remove(b'.')
        .remove(b'_');

    fn json_escaped(s: &str, upper: bool) -> String {
        // serde_json escapes only '"' and '\\'; other encoders also escape '/' and non-ASCII.
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '/' => out.push_str("\\/"),
                '"' => out.push_str("\\\""),
                c if !c.is_ascii() => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        if upper {
                            out.push_str(&format!("\\u{u:04X}"));
                        } else {
                            out.push_str(&format!("\\u{u:04x}"));
                        }
                    }
                }
                c => out.push(c),
            }
        }
        out
    }

    /// Percent-encoding with lower-case hex digits.
    fn lower_hex(encoded: &str) -> String {
        let mut out = String::new();
        let mut left = 0;
        for c in encoded.chars() {
            if c == '%' {
                left = 2;
                out.push(c);
            } else if left > 0 {
                left -= 1;
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn every_form_of_a_credential_is_masked() {
        let r = redactor();
        let upper = utf8_percent_encode(KEY, NON_ALPHANUMERIC).to_string();
        let forms: Vec<(String, &str)> = vec![
            (KEY.to_owned(), "raw"),
            (upper.clone(), "percent, upper-case hex"),
            (lower_hex(&upper), "percent, lower-case hex"),
            (
                utf8_percent_encode(KEY, FORM)
                    .to_string()
                    .replace("%20", "+"),
                "form encoding",
            ),
            (
                utf8_percent_encode(KEY, percent_encoding::CONTROLS).to_string(),
                "percent, only what must be",
            ),
            (json_escaped(KEY, false), "JSON with \\/ and \\u escapes"),
            (
                serde_json::to_string(KEY)
                    .unwrap()
                    .trim_matches('"')
                    .to_owned(),
                "serde_json",
            ),
            (json_escaped(KEY, true), "JSON, upper-case \\u hex"),
            (
                KEY.replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('/', "&#47;"),
                "HTML references",
            ),
            (KEY.replace('/', "&#x2F;"), "HTML hex reference"),
            (STANDARD.encode(KEY), "base64"),
            (STANDARD.encode(format!("{KEY}:")), "base64 of key:"),
            (STANDARD.encode(format!(":{KEY}")), "base64 of :key"),
            (
                STANDARD.encode(format!("shop-user:{KEY}")),
                "base64 of username:key",
            ),
            (URL_SAFE_NO_PAD.encode(KEY), "URL-safe base64"),
            (
                STANDARD.encode(KEY).replace('/', "\\/"),
                "base64 inside JSON with \\/",
            ),
            (
                utf8_percent_encode(&STANDARD.encode(KEY), NON_ALPHANUMERIC).to_string(),
                "percent-encoded base64",
            ),
            ("tok_9f8e7d6c".to_owned(), "second secret"),
            (
                "tok%5F9f8e7d6c".to_owned(),
                "second secret, needless escape",
            ),
        ];
        for (form, what) in &forms {
            assert!(!form.contains("***"), "{what}");
            assert_masked(&r, form, what);
        }
    }

    #[test]
    fn a_credential_inside_other_base64_loses_every_character_it_decides() {
        let r = redactor();
        for prefix in ["", "a", "ab", "abc", "{\"api_key\":\""] {
            let plain = format!("{prefix}{KEY}\"}} trailing");
            let encoded = STANDARD.encode(&plain);
            let out = scrubbed(&r, &encoded);
            assert!(out.contains("***"), "{prefix:?}: {out}");
            // What is left decodes to no more than two characters of the key on either side.
            let left = out.split("***").map(str::len).max().unwrap_or(0);
            assert!(left < encoded.len() - 8, "{prefix:?}: {out}");
            assert!(!out.contains(&STANDARD.encode(KEY)[..8]), "{out}");
        }
    }

    #[test]
    fn nothing_to_do_means_no_change_and_no_allocation() {
        let r = redactor();
        let body = b"{\"status\":\"OK\",\"id\":\"5769\"}".to_vec();
        let ptr = body.as_ptr();
        let out = r.scrub(body);
        assert_eq!(out.as_ptr(), ptr, "the same buffer comes back");
        assert_eq!(out, b"{\"status\":\"OK\",\"id\":\"5769\"}");
        // Escapes that decode to nothing of interest, truncated escapes, lone surrogates.
        for text in [
            "%",
            "%2",
            "%zz",
            "\\",
            "\\u",
            "\\u12",
            "\\ud83d",
            "\\ud83d\\u0041",
            "&",
            "&#;",
            "&#x;",
            "&#99999999999;",
            "&bogus;",
            "+",
            "%FF%FE",
            "k3y/Sécret+=?&",
        ] {
            assert_eq!(scrubbed(&r, text), text, "{text:?}");
        }
        // Arbitrary bytes never panic.
        let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        assert_eq!(r.scrub(bytes.clone()), bytes);
    }

    #[test]
    fn overlapping_and_adjacent_matches_merge() {
        let r = Redactor::from_parts(&["abcdef".to_owned(), "defghi".to_owned()], &[]);
        assert_eq!(scrubbed(&r, "x abcdefghi y"), "x *** y");
        assert_eq!(scrubbed(&r, "abcdefabcdef"), "***");
        assert_eq!(scrubbed(&r, "abcde abcdef"), "abcde ***");
        // Multibyte text around a match stays valid.
        assert_eq!(scrubbed(&r, "ééabcdefüü"), "éé***üü");
        let r = Redactor::from_parts(&["sécrét".to_owned()], &[]);
        assert_eq!(scrubbed(&r, "«sécrét»"), "«***»");
        assert_eq!(scrubbed(&r, "s\\u00e9cr\\u00E9t"), "***");
        assert_eq!(scrubbed(&r, "s%C3%A9cr%c3%a9t"), "***");
        assert_eq!(scrubbed(&r, "s&#233;cr&#xe9;t"), "***");
    }

    #[test]
    fn secrets_with_escape_characters_are_found_raw_and_encoded() {
        for secret in ["%25ab", "a+b c", "a\\u0041", "&amp;xy", "50%2F"] {
            let r = Redactor::from_parts(&[secret.to_owned()], &[]);
            assert_eq!(
                scrubbed(&r, &format!("<{secret}>")),
                "<***>",
                "{secret} raw"
            );
            let encoded = utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string();
            assert_eq!(
                scrubbed(&r, &format!("<{encoded}>")),
                "<***>",
                "{secret} encoded"
            );
            let json = serde_json::to_string(secret).unwrap();
            assert_eq!(scrubbed(&r, &json), "\"***\"", "{secret} JSON");
        }
        let r = Redactor::from_parts(&["a b c d".to_owned()], &[]);
        assert_eq!(scrubbed(&r, "t=a+b+c+d&x"), "t=***&x");
        assert_eq!(scrubbed(&r, "t=a%20b%20c+d&x"), "t=***&x");
    }

    #[test]
    fn short_secrets_are_not_scrubbed() {
        let r = Redactor::from_parts(&["abc".to_owned(), String::new()], &[]);
        assert!(r.is_empty());
        assert_eq!(scrubbed(&r, "abc YWJj"), "abc YWJj");
        let r = Redactor::from_parts(&["abcd".to_owned()], &[]);
        assert_eq!(scrubbed(&r, "abcd"), "***");
        assert_eq!(scrubbed(&r, "Basic YWJjZA=="), "Basic ***");
    }

    #[test]
    fn built_from_a_config() {
        let mut config = Config::inteltele("shop-user", "api-KEY-123");
        config.webhook_secret = Some(Secret::new("hook-secret"));
        config.proxy = Some(Secret::new(
            "http://proxy-user:pr%40xy-pass@proxy.example:3128",
        ));
        let r = Redactor::new(&config);
        let body = format!(
            "{} {} {} {} {} {}",
            "api-KEY-123",
            STANDARD.encode("shop-user:api-KEY-123"),
            "hook-secret",
            "pr@xy-pass",
            "pr%40xy-pass",
            STANDARD.encode("proxy-user:pr@xy-pass"),
        );
        assert_eq!(scrubbed(&r, &body), "*** *** *** *** *** ***");
        // User names alone are not secrets.
        assert_eq!(scrubbed(&r, "shop-user proxy-user"), "shop-user proxy-user");
        assert!(!format!("{r:?}").contains("api-KEY"));
        // A proxy user without a password is the credential.
        let config = Config::decisiontelecom("dt-key-0001").proxy("http://proxytoken@p.example:1");
        let r = Redactor::new(&config);
        assert_eq!(
            scrubbed(
                &r,
                &format!("proxytoken {}", STANDARD.encode("dt-key-0001"))
            ),
            "*** ***"
        );
        let r = Redactor::new(&Config::smsclub("tok/SECRET"));
        assert_eq!(
            scrubbed(&r, "token=tok%2FSECRET&authorization: Bearer tok/SECRET"),
            "token=***&authorization: Bearer ***"
        );
    }

    #[test]
    fn a_large_body_is_scanned_quickly() {
        let r = redactor();
        let mut body = "{\"status\":\"OK\",\"ids\":[\"5769\",\"5770\"],\"text\":\"Привіт, світ! %20 \\u0041 &amp; YWJj\"} "
            .repeat(8 * 1024 * 1024 / 90)
            .into_bytes();
        body.extend_from_slice(KEY.as_bytes());
        let started = std::time::Instant::now();
        let out = r.scrub(body);
        assert!(out.ends_with(b" ***"));
        // Generous even for an unoptimised build on a busy machine.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }
}
