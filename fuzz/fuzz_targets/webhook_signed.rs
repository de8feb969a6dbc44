#![no_main]
// parse_webhook with a `webhook_secret` set (SPEC §6): a callback whose `vg_token` is missing or
// wrong is refused with `auth` (or `invalid_message` without a callback_url), never accepted and
// never a panic, whatever the token's bytes (multibyte, odd length, not hex, repeated); the
// token `send` signs with is accepted by the check.
//
// Input: [provider, flags, secret len, url len, token len] ++ secret ++ callback url ++ token
// ++ body. Flag bits: 0 POST, 1 give no callback_url, 2 use the correctly signed token,
// 3 repeat the token parameter, 4 JSON body, 5 extra query parameters, 6 the request's JSON form.
use libfuzzer_sys::fuzz_target;
use vibergate_core::internals::signing::{try_sign_callback_url, TOKEN_PARAM};
use vibergate_core::internals::transport::form_decode;
use vibergate_core::{parse_webhook, ErrorCode, Secret, WebhookRequest};

fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let n = n.min(data.len());
    let (head, rest) = data.split_at(n);
    *data = rest;
    head
}

fn percent(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let provider = vibergate_core::fuzzing::provider(data[0]);
    let flags = data[1];
    let mut rest = &data[5..];
    let secret = String::from_utf8_lossy(take(&mut rest, usize::from(data[2]))).into_owned();
    let url = String::from_utf8_lossy(take(&mut rest, usize::from(data[3]))).into_owned();
    let raw_token = take(&mut rest, usize::from(data[4])).to_vec();
    let body = rest.to_vec();

    // The token `send` would have added to this callback URL, when it can sign it.
    let signed = try_sign_callback_url(&url, &secret)
        .ok()
        .and_then(|signed| {
            // The token sits in the query, before any fragment (which never reaches a server).
            let without_fragment = signed.split('#').next().unwrap_or("");
            let query = without_fragment.rsplit_once('?').map(|(_, q)| q.to_owned())?;
            form_decode(query.as_bytes())
                .into_iter()
                .rev()
                .find(|(k, _)| k == TOKEN_PARAM)
                .map(|(_, v)| v)
        });
    let use_signed = flags & 4 != 0 && signed.is_some();
    let token_param = if use_signed {
        signed.clone().unwrap_or_default()
    } else {
        // Raw bytes, percent-encoded so that any byte (multibyte, NUL, '&') reaches the check.
        percent(&raw_token)
    };
    let mut query = String::new();
    if flags & 32 != 0 {
        query.push_str("msgid=1&status=delivrd&");
    }
    query.push_str(&format!("{TOKEN_PARAM}={token_param}"));
    if flags & 8 != 0 {
        query.push_str(&format!("&{TOKEN_PARAM}={}", percent(&body)));
    }
    let method = if flags & 1 != 0 { "POST" } else { "GET" };
    let content_type = if flags & 16 != 0 {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut request = WebhookRequest::new(method, &query, body.clone(), Some(content_type));
    request.secret = Some(Secret::new(secret.clone()));
    if flags & 2 == 0 {
        request.callback_url = Some(url.clone());
    }
    if flags & 64 != 0 {
        // The same request through its JSON form (the C ABI and the CLI read this).
        let json = serde_json::json!({
            "method": method,
            "query": query,
            "body": String::from_utf8_lossy(&body),
            "content_type": content_type,
            "secret": secret,
            "callback_url": request.callback_url,
        });
        match serde_json::from_value::<WebhookRequest>(json) {
            Ok(r) => request = r,
            Err(_) => return,
        }
    }

    // What the check sees: the first vg_token of the decoded query.
    let seen = request
        .query
        .iter()
        .find(|(k, _)| k == TOKEN_PARAM)
        .map(|(_, v)| v.clone());
    let result = parse_webhook(provider, &request);
    let genuine = signed.is_some() && seen == signed && request.callback_url.is_some();
    if !genuine {
        match &result {
            Ok(events) => panic!("a forged callback was accepted: {events:?}"),
            Err(e) => assert!(
                matches!(
                    e.code(),
                    ErrorCode::Auth | ErrorCode::InvalidMessage | ErrorCode::InvalidConfig
                ),
                "a forged callback failed with {} instead of auth: {}",
                e.code(),
                e.message
            ),
        }
    } else if let Err(e) = &result {
        // The right token passes the check; the body may still be refused.
        assert!(
            e.code() != ErrorCode::Auth,
            "a correctly signed callback was refused: {}",
            e.message
        );
    }
});
