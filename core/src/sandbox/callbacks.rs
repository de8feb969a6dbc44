//! Sends status callbacks (and DecisionTelecom 2-way replies) when a message's phase changes.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::state::{phase, Callback, Phase};
use super::{decisiontelecom, inteltele, smsby, Shared};

/// One callback to send.
enum Post {
    Json(String, Value),
    Form {
        url: String,
        method: String,
        fields: Vec<(String, String)>,
    },
}

/// Finds messages whose phase changed since their last callback and sends them.
pub(super) fn deliver_due(shared: &Shared) {
    let now = Instant::now();
    let step = shared.step();
    let mut posts = Vec::new();
    {
        let mut state = shared.state();
        let mut batches = BTreeSet::new();
        let ids: Vec<String> = state
            .messages
            .iter()
            .filter(|(_, m)| m.callback.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let Some(msg) = state.messages.get(&id).cloned() else {
                continue;
            };
            let (current, sms) = phase(&msg, now, step);
            if msg.notified == Some(current) {
                continue;
            }
            let final_phase = !matches!(current, Phase::Pending | Phase::Sent);
            match msg.callback.clone() {
                Some(Callback::DecisionTelecom(url)) => {
                    posts.push(Post::Json(
                        url.clone(),
                        decisiontelecom::status_json(&msg, current, sms),
                    ));
                    let first_delivery = matches!(current, Phase::Delivered | Phase::Read)
                        && !matches!(msg.notified, Some(Phase::Delivered | Phase::Read));
                    if msg.two_way && first_delivery {
                        posts.push(Post::Json(
                            url,
                            decisiontelecom::reply_json(&msg, shared.now_unix()),
                        ));
                    }
                }
                // SMS.by posts once per mailing: the answer of the asynchronous send.
                Some(Callback::SmsBy { url, batch })
                    if msg.notified.is_none() && batches.insert((url.clone(), batch.clone())) =>
                {
                    posts.push(Post::Json(
                        url,
                        smsby::accepted_callback_json(&state, &batch, now, step),
                    ));
                }
                Some(Callback::IntelTele { url, method }) if final_phase => {
                    posts.push(Post::Form {
                        url,
                        method,
                        fields: inteltele::callback_fields(&msg, current, shared.now_unix()),
                    });
                }
                _ => {}
            }
            if let Some(m) = state.messages.get_mut(&id) {
                m.notified = Some(current);
            }
        }
    }
    if posts.is_empty() {
        return;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(2)))
        .http_status_as_error(false)
        .build()
        .into();
    // Callbacks are best effort, as the providers' are: a receiver that is down misses them.
    for post in posts {
        let _ = match post {
            Post::Json(url, body) => agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.to_string())
                .map(|_| ()),
            Post::Form {
                url,
                method,
                fields,
            } => {
                let encoded = crate::transport::form_encode(&fields);
                if method.eq_ignore_ascii_case("GET") {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    agent
                        .get(&format!("{url}{sep}{encoded}"))
                        .call()
                        .map(|_| ())
                } else {
                    agent
                        .post(&url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .send(encoded)
                        .map(|_| ())
                }
            }
        };
    }
}
