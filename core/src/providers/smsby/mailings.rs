//! The mailing operations only SMS.by has: a message to a stored subscriber list, its
//! confirmation, and reading mailings and their delivery lists.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::{v2_message_id, v2_result};
use super::status::delivery_from;
use super::{
    capabilities, form, form_token_in_query, integer_id, offset, v2_content, viber_name_id, P,
};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::json::{id_string, text};
use crate::message::{Button, Content};
use crate::report::{ListSend, Mailing};
use crate::retry::Idempotency;
use crate::status::DeliveryReport;
use crate::transport::{HttpRequest, HttpResponse};

/// A message to one of the account's stored subscriber lists (`sendViberMessageList`). The
/// mailing waits for [`confirm_mailing`](crate::Client::confirm_mailing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ListMessage {
    /// The numeric id of the stored subscriber list.
    pub list_id: String,
    /// The numeric Viber name id (`vibername_id`); defaults to the client's `sender`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The Viber text, as in a message; `None` for an image alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The image's `http://` or `https://` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// A button under the text; a text with an image needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Button>,
    /// Mailing name; SMS.by generates one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Unix seconds; sent in the account's local time to the minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_start: Option<i64>,
}

pub(crate) fn build_send_to_list(config: &Config, m: &ListMessage) -> Result<HttpRequest> {
    let list_id = integer_id("list_id", &m.list_id)?;
    let sender = m
        .sender
        .as_ref()
        .filter(|s| !s.trim().is_empty())
        .or(config.sender.as_ref());
    let sender = viber_name_id(sender, "sendViberMessageList")?;
    // The same content rules as `send`: type_message is TEXT, IMAGE or BUTTON, and a TEXT
    // message has no image, so a text with an image needs the button.
    let content = Content::check(
        m.text.as_deref(),
        m.image_url.as_deref(),
        m.button.as_ref(),
        &capabilities(),
    )?;
    let mut fields = Vec::new();
    if let Some(label) = &m.label {
        fields.push(("name", label.clone()));
    }
    fields.push(("vibername_id", sender));
    fields.push(("list_id", list_id));
    fields.extend(v2_content(
        content.text.as_ref(),
        content.image_url.as_ref(),
        content.button.as_ref(),
    ));
    if let Some(start) = m.schedule_start {
        fields.push((
            "d_schedule",
            crate::time::format_local_minutes(start, offset(config)),
        ));
    }
    Ok(form(
        config,
        "sendViberMessageList",
        fields,
        Idempotency::Send,
    ))
}

pub(crate) fn parse_send_to_list(response: &HttpResponse) -> Result<ListSend> {
    let result = v2_result(response)?;
    Ok(ListSend {
        mailing_id: v2_message_id(&result, response)?,
        subscribers: result.get("count_subscribers").and_then(Value::as_u64),
    })
}

pub(crate) fn build_confirm(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form_token_in_query(
        config,
        "confirmViberMessage",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Send,
    ))
}

pub(crate) fn parse_ok(response: &HttpResponse) -> Result<()> {
    v2_result(response).map(|_| ())
}

pub(crate) fn build_mailings(config: &Config, offset: u32, limit: u32) -> HttpRequest {
    form_token_in_query(
        config,
        "getViberMessages",
        vec![
            ("limit_offset", offset.to_string()),
            ("limit_rows", limit.to_string()),
        ],
        Idempotency::Read,
    )
}

fn mailing_from(v: &Value) -> Mailing {
    let s = |k: &str| v.get(k).and_then(text).filter(|s| !s.is_empty());
    Mailing {
        mailing_id: v.get("message_id").and_then(id_string).unwrap_or_default(),
        message_type: s("message_type"),
        text: s("message"),
        button_text: s("button_caption"),
        button_url: s("button_link"),
        image_url: s("image_file"),
        status: s("status"),
        created_at: s("d_create"),
        scheduled_at: s("d_schedule"),
        cost: s("cost"),
    }
}

pub(crate) fn parse_mailings(response: &HttpResponse) -> Result<Vec<Mailing>> {
    Ok(v2_result(response)?
        .as_array()
        .into_iter()
        .flatten()
        .map(mailing_from)
        .collect())
}

pub(crate) fn build_mailing(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form_token_in_query(
        config,
        "getViberMessageData",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_mailing(response: &HttpResponse) -> Result<Mailing> {
    let result = v2_result(response)?;
    if !result.is_object() {
        return Err(
            Error::decode("SMS.by's mailing answer has no result object")
                .with_provider(P)
                .with_body(&response.body),
        );
    }
    Ok(mailing_from(&result))
}

pub(crate) fn build_delivery_list(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form(
        config,
        "getViberDeliveryList",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_delivery_list(
    response: &HttpResponse,
    utc_offset: i32,
) -> Result<Vec<DeliveryReport>> {
    Ok(v2_result(response)?
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| delivery_from(d, "", utc_offset))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{prepare, Message};

    /// A list mailing and a send with the same content meet the same rule: one code, one field,
    /// the same words.
    #[test]
    fn send_to_list_refuses_what_send_refuses() {
        let config = Config::from_dsn("smsby://TOKEN@default?sender=123&sms_sender=456").unwrap();
        let image = "https://x.example/a.png";
        let long_link = format!("https://x.example/{}", "a".repeat(140));
        // (text, image_url, button, the field refused)
        type Case<'a> = (Option<&'a str>, Option<&'a str>, Option<Button>, &'a str);
        let cases: Vec<Case<'_>> = vec![
            (None, None, None, "text"),
            (Some("Hi"), Some(image), None, "button"),
            (None, Some(image), Some(Button::new("Go", image)), "text"),
            (
                Some("Hi"),
                None,
                Some(Button::new("", image)),
                "button.text",
            ),
            (
                Some("Hi"),
                None,
                Some(Button::new("x".repeat(31), image)),
                "button.text",
            ),
            (
                Some("Hi"),
                None,
                Some(Button::new("Go", long_link)),
                "button.url",
            ),
            (Some("Hi"), Some("ftp://x.example/a.png"), None, "image_url"),
        ];
        for (text, image_url, button, field) in cases {
            let list = ListMessage {
                list_id: "1".into(),
                text: text.map(str::to_owned),
                image_url: image_url.map(str::to_owned),
                button: button.clone(),
                ..ListMessage::default()
            };
            let message = Message {
                to: vec!["+375291234567".into()],
                text: text.map(str::to_owned),
                image_url: image_url.map(str::to_owned),
                button,
                ..Message::default()
            };
            let listed = build_send_to_list(&config, &list).unwrap_err();
            let sent = prepare(&message, &config, &capabilities()).unwrap_err();
            assert_eq!(listed.field.as_deref(), Some(field), "{listed}");
            assert_eq!(
                (listed.code(), &listed.field, &listed.message),
                (sent.code(), &sent.field, &sent.message)
            );
        }
    }
}
