//! Printing results: JSON (`--json`, the C ABI's shapes) or aligned tables for people.

use serde::Serialize;
use vibergate_core::{BatchStatus, DeliveryReport, Error, Rejected, RoutedReport, SendReport};

use crate::exit;

pub fn json<T: Serialize>(value: &T) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    );
}

/// Prints rows under a header, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        if widths.len() < row.len() {
            widths.resize(row.len(), 0);
        }
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for row in rows {
        line(row.clone());
    }
}

/// The exit code of a send that got a report: everything accepted, partly done, or every
/// recipient refused by the provider.
pub fn report_exit_code(accepted: usize, rejected: usize, uncertain: usize) -> u8 {
    if rejected == 0 && uncertain == 0 {
        exit::OK
    } else if accepted == 0 && uncertain == 0 {
        exit::REFUSED
    } else {
        exit::PARTIAL
    }
}

/// The numbers a failed send rejected, each with its reason and the detail.
pub fn rejected_table(rejected: &[Rejected]) {
    let rows: Vec<Vec<String>> = rejected
        .iter()
        .map(|r| {
            vec![
                r.phone.clone(),
                format!("rejected: {}", r.reason),
                r.detail.clone(),
            ]
        })
        .collect();
    table(&["PHONE", "RESULT", "DETAIL"], &rows);
}

/// An error in one line: code, provider and HTTP status, message, field.
pub fn error_line(error: &Error) -> String {
    let mut who = Vec::new();
    if let Some(p) = error.provider {
        who.push(p.to_string());
    }
    if let Some(status) = error.http_status {
        who.push(format!("HTTP {status}"));
    }
    let who = if who.is_empty() {
        String::new()
    } else {
        format!(" ({})", who.join(", "))
    };
    let field = error
        .field
        .as_deref()
        .map(|f| format!(" [field: {f}]"))
        .unwrap_or_default();
    format!("{}{who}: {}{field}", error.code(), error.message)
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

pub fn send_report(report: &SendReport) {
    let mut rows = Vec::new();
    for a in &report.accepted {
        let mut extra = Vec::new();
        if let Some(c) = &a.chat_id {
            extra.push(format!("chat {c}"));
        }
        if let Some(c) = &a.cost {
            extra.push(format!("cost {c}"));
        }
        rows.push(vec![
            a.phone.clone(),
            "accepted".into(),
            opt(&a.message_id),
            extra.join(", "),
        ]);
    }
    for r in &report.rejected {
        rows.push(vec![
            r.phone.clone(),
            format!("rejected: {}", r.reason),
            "-".into(),
            r.detail.clone(),
        ]);
    }
    for u in &report.uncertain {
        rows.push(vec![
            u.phone.clone(),
            "uncertain".into(),
            "-".into(),
            u.detail.clone(),
        ]);
    }
    table(&["PHONE", "RESULT", "MESSAGE ID", "DETAIL"], &rows);
    let batch = report
        .batch_id
        .as_deref()
        .map(|b| format!(", batch {b}"))
        .unwrap_or_default();
    println!(
        "\n{}: {} accepted, {} rejected, {} uncertain in {} request(s){batch}",
        report.provider,
        report.accepted.len(),
        report.rejected.len(),
        report.uncertain.len(),
        report.requests
    );
}

pub fn statuses(reports: &[DeliveryReport]) {
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            vec![
                r.message_id.clone(),
                opt(&r.phone),
                r.state.to_string(),
                r.sms_state
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                r.provider_status.clone(),
                opt(&r.detail),
            ]
        })
        .collect();
    table(
        &["MESSAGE ID", "PHONE", "STATE", "SMS", "RAW", "DETAIL"],
        &rows,
    );
}

pub fn batch(status: &BatchStatus) {
    let all: Vec<DeliveryReport> = status
        .mailings
        .iter()
        .flat_map(|m| m.deliveries.clone())
        .collect();
    statuses(&all);
    for e in &status.errors {
        println!("error: {e}");
    }
}

pub fn routed_report(report: &RoutedReport) {
    let mut rows = Vec::new();
    for a in &report.accepted {
        rows.push(vec![
            a.accepted.phone.clone(),
            "accepted".into(),
            a.provider.to_string(),
            opt(&a.accepted.message_id),
        ]);
    }
    for r in &report.rejected {
        let provider = r
            .provider
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into());
        rows.push(vec![
            r.rejected.phone.clone(),
            format!("rejected: {}", r.rejected.reason),
            provider,
            r.rejected.detail.clone(),
        ]);
    }
    for u in &report.uncertain {
        rows.push(vec![
            u.uncertain.phone.clone(),
            "uncertain".into(),
            u.provider.to_string(),
            u.uncertain.detail.clone(),
        ]);
    }
    table(
        &["PHONE", "RESULT", "PROVIDER", "MESSAGE ID / DETAIL"],
        &rows,
    );
    println!();
    for attempt in &report.attempts {
        let outcome = match (&attempt.skipped, &attempt.error) {
            (Some(why), _) => format!("skipped ({why})"),
            (None, Some(e)) => format!("failed: {e}"),
            (None, None) => "answered".into(),
        };
        let moved = if attempt.moved_on.is_empty() {
            String::new()
        } else {
            format!(", {} moved on", attempt.moved_on.len())
        };
        println!(
            "{}: {} recipient(s), {outcome}{moved}",
            attempt.provider,
            attempt.recipients.len()
        );
    }
}
