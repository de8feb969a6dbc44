//! `sandbox`: the provider emulator in the foreground.

use std::io::Write;

use clap::Args;
use vibergate_core::sandbox::{Sandbox, SandboxConfig};
use vibergate_core::ProviderId;

use crate::{CmdResult, Failure};

#[derive(Args)]
pub struct SandboxArgs {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Milliseconds between delivery steps (0 = final at once).
    #[arg(long, default_value_t = 1000)]
    step_ms: u64,
    /// Where Intel-Tele status callbacks go.
    #[arg(long)]
    inteltele_callback_url: Option<String>,
}

/// What the emulator does with a number, by its last four digits.
const SANDBOX_NUMBERS: &str = "\
numbers choose their fate by their last four digits:
  0000  never delivered (SMS.by documents no failure status: there it stays SENT)
  9999  blacklisted (SMS.by documents no black list: there it stays SENT)
  1111  no Viber: the SMS fallback is delivered; SMS Club (smsStatus) and DecisionTelecom
        (sms_message_status) report it, SMS.by and Intel-Tele document no status for it
  2222  read at once; any other number is delivered, then read";

pub fn sandbox(a: SandboxArgs) -> CmdResult {
    let config = SandboxConfig {
        port: a.port,
        step_ms: a.step_ms,
        inteltele_callback_url: a.inteltele_callback_url,
        ..SandboxConfig::default()
    };
    let sb = Sandbox::start(config).map_err(|e| Failure::Usage(e.message.clone()))?;
    println!("vibergate sandbox listening on {}", sb.base_url());
    for p in ProviderId::ALL {
        println!("  {:<16} {}", p.as_str(), sb.dsn(p));
    }
    println!(
        "control: GET {0}/_sandbox/requests, POST {0}/_sandbox/faults, POST {0}/_sandbox/reset",
        sb.base_url()
    );
    println!("{SANDBOX_NUMBERS}");
    println!("press Ctrl-C to stop");
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
