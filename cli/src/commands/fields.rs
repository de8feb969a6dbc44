//! Errors about a message field, told as the flag (or CSV column) that sets it.

/// Where a message's fields came from, to tell the user what to change when one is refused.
pub(super) enum Fields<'a> {
    /// The flags of `send` or `send-to-list`.
    Flags,
    /// `send-personalized`: a CSV file (its name, and the line of each item) and flags.
    Csv { file: &'a str, lines: &'a [usize] },
}

/// The flag (or CSV column) that sets a message field, for an error about that field.
fn where_to_fix(field: &str, fields: &Fields<'_>) -> Option<String> {
    // `items[3].button.url` → item 3, field `button.url`. Errors about the button as a whole
    // (`button`) already say what to add or leave out.
    let (item, field) = match field.strip_prefix("items[").and_then(|r| r.split_once(']')) {
        Some((n, rest)) => (n.parse::<usize>().ok(), rest.trim_start_matches('.')),
        None => (None, field),
    };
    if let Fields::Csv { file, lines } = fields {
        let line = item.and_then(|i| lines.get(i));
        let at = |column: &str| match line {
            Some(l) => format!("the {column} column of line {l} of {file}"),
            None => format!("the {column} column of {file}"),
        };
        match field {
            "to" => return Some(format!("see {}", at("phone"))),
            "text" => return Some(format!("see {}", at("text"))),
            "button.url" => return Some(format!("see {}", at("button_url"))),
            "" => return line.map(|l| format!("see line {l} of {file}")),
            _ => {}
        }
    }
    let flag = match field {
        "to" => "--to or --to-file",
        "text" => "--text",
        "sender" => "--sender (or sender= in the DSN)",
        "image_url" => "--image-url",
        "button.text" => "--button-text",
        "button.url" => "--button-url",
        "ttl_seconds" => "--ttl",
        "sms_fallback" | "sms_fallback.text" => "--sms-text",
        "sms_fallback.sender" | "sms_sender" => "--sms-sender (or sms_sender= in the DSN)",
        "schedule" | "schedule.start" => "--schedule-start",
        "schedule.end" => "--schedule-end",
        "category" => "--category",
        "two_way" => "--two-way",
        "chat_id" => "--chat-id",
        "callback_url" => "--callback-url",
        "label" => "--label",
        _ => return None,
    };
    Some(format!("set it with {flag}"))
}

/// A refused message's error, saying which flag or CSV column to change.
pub(super) fn name_the_flag(
    error: vibergate_core::Error,
    fields: &Fields<'_>,
) -> vibergate_core::Error {
    use vibergate_core::ErrorCode;
    let refused_field = matches!(
        error.code(),
        ErrorCode::InvalidMessage | ErrorCode::Unsupported
    ) && error.http_status.is_none();
    let Some(hint) = error
        .field
        .as_deref()
        .filter(|_| refused_field)
        .and_then(|f| where_to_fix(f, fields))
    else {
        return error;
    };
    // The message is the one field an `Error` does not let callers set: rebuild it from its
    // JSON so that every other detail stays as it was.
    let Ok(mut value) = serde_json::to_value(&error) else {
        return error;
    };
    let message = format!("{} ({hint})", error.message);
    value["message"] = serde_json::Value::String(message);
    serde_json::from_value(value).unwrap_or(error)
}
