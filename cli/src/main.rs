//! `vibergate`: send Viber messages, read statuses and run the provider sandbox from a shell.

mod commands;
mod demo;
mod output;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use vibergate_core::{Error, ErrorCode};

/// Exit codes: what went wrong, for scripts. Printed by `vibergate --help` (EXIT_CODES).
pub mod exit {
    /// Everything was accepted (or the command succeeded).
    pub const OK: u8 = 0;
    /// Bad arguments, an unreadable file, no DSN (clap's own code for usage errors).
    pub const USAGE: u8 = 2;
    /// vibergate refused the configuration or the message before sending anything: a bad DSN
    /// or option, a message field the provider cannot take, no valid number left.
    pub const VALIDATION: u8 = 3;
    /// The provider refused the request as a whole: credentials, permissions, funds, sender,
    /// text, rate limit, or a failure on its side.
    pub const PROVIDER: u8 = 4;
    /// The provider could not be reached or its answer not understood (DNS, connection, TLS,
    /// timeout, an answer that is not the provider's format).
    pub const NETWORK: u8 = 5;
    /// A send finished with some recipients accepted and others rejected or uncertain.
    pub const PARTIAL: u8 = 6;
    /// The provider answered and refused every recipient (black list, invalid or unroutable
    /// numbers…): nothing was accepted.
    pub const REFUSED: u8 = 7;
    /// A bug in vibergate.
    pub const INTERNAL: u8 = 70;
}

const EXIT_CODES: &str = "Exit codes:
  0   success (for a send: every recipient was accepted)
  2   usage: bad arguments, an unreadable file, no DSN
  3   refused before sending: vibergate's own checks found a bad DSN or option, a field or
      an operation the provider does not have, or no valid number (nothing was sent)
  4   the provider refused the request as a whole: credentials, permissions, funds, sender,
      text, rate limit, or a failure on its side
  5   network: the provider could not be reached, did not answer in time, or answered
      something that is not its format (`webhook parse`: not the provider's callback)
  6   partly done: some recipients were rejected or are uncertain (the provider may have
      sent to them: check before sending again), the others were accepted
  7   the provider refused every recipient (black list, invalid or unroutable numbers):
      nothing was accepted
  70  a bug in vibergate";

const EXAMPLES: &str = "Examples:
  vibergate demo
  vibergate sandbox --port 8080
  export VIBERGATE_DSN='smsclub://TOKEN@default?sender=Shop&sms_sender=Shop'
  vibergate send --to 380989361121 --text 'Your order has shipped' --json
  vibergate send --to-file phones.txt --text 'Sale!' --button-text Open --button-url https://shop.example
  vibergate status 5769 5770
  vibergate webhook parse --provider inteltele --method GET --query 'msgid=abc&status=delivrd'
";

#[derive(Parser)]
#[command(name = "vibergate", version, about = "Viber business messages through SMS Club, SMS.by, DecisionTelecom and Intel-Tele", after_help = format!("{EXAMPLES}\n{EXIT_CODES}"))]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where to send and how to print.
#[derive(Args, Clone)]
pub struct Common {
    /// Provider DSN, e.g. smsclub://TOKEN@default?sender=Shop (default: $VIBERGATE_DSN).
    #[arg(long, env = "VIBERGATE_DSN", hide_env_values = true)]
    pub dsn: Option<String>,
    /// Print the result as JSON (the shapes of the C ABI).
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Send a message to one or more recipients.
    #[command(
        after_help = "Example:\n  vibergate send --dsn \"$DSN\" --to 380989361121 --sender Shop --text Hi --sms-text Hi --json"
    )]
    Send(commands::SendArgs),
    /// Send each recipient its own text, from a CSV file of phone,text[,button_url].
    #[command(
        name = "send-personalized",
        after_help = "A header line starting with \"phone\" is skipped. With a button_url column, pass\n--button-text: the caption every button shares.\n\nExample:\n  vibergate send-personalized people.csv --button-text Open"
    )]
    SendPersonalized(commands::PersonalizedArgs),
    /// Delivery status of message ids.
    #[command(after_help = "Example:\n  vibergate status 5769 5770 --json")]
    Status(commands::StatusArgs),
    /// Statuses of an SMS.by mailing batch.
    #[command(name = "status-batch")]
    StatusBatch(commands::BatchArgs),
    /// Intel-Tele balance and credit.
    Balance(commands::NoArgs),
    /// Intel-Tele price list.
    Rates(commands::NoArgs),
    /// SMS Club 2-way chats.
    Chats(commands::PageArgs),
    /// Messages of an SMS Club chat.
    Chat(commands::ChatArgs),
    /// Replies from recipients (SMS Club --chat-id, SMS.by --mailing-id).
    Inbound(commands::InboundArgs),
    /// What the provider supports.
    Capabilities(commands::NoArgs),
    /// SMS.by: send to a stored subscriber list (confirm it with confirm-mailing).
    #[command(name = "send-to-list")]
    SendToList(commands::ListArgs),
    /// SMS.by: confirm a mailing (the money is debited).
    #[command(name = "confirm-mailing")]
    ConfirmMailing(commands::MailingArgs),
    /// SMS.by: list mailings.
    Mailings(commands::MailingsArgs),
    /// SMS.by: one mailing.
    Mailing(commands::MailingArgs),
    /// SMS.by: phones and states of a mailing.
    #[command(name = "delivery-list")]
    DeliveryList(commands::MailingArgs),
    /// SMS.by: mark incoming messages read.
    #[command(name = "mark-read")]
    MarkRead(commands::MarkReadArgs),
    /// Count an SMS text: encoding, characters, segments.
    #[command(name = "sms-info")]
    SmsInfo(commands::SmsInfoArgs),
    /// Parse a provider callback.
    Webhook {
        #[command(subcommand)]
        command: commands::WebhookCommand,
    },
    /// Run the provider emulator in the foreground.
    #[command(after_help = "Example:\n  vibergate sandbox --port 8080 --step-ms 1000")]
    Sandbox(commands::SandboxArgs),
    /// Start the emulator in-process and run every provider end to end.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so a write to a closed pipe (`vibergate rates | head`) would panic
    // in println!; take the default action instead, like every other Unix command.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to its default before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Send(a) => commands::send(a),
        Command::SendPersonalized(a) => commands::send_personalized(a),
        Command::Status(a) => commands::status(a),
        Command::StatusBatch(a) => commands::status_batch(a),
        Command::Balance(a) => commands::balance(a),
        Command::Rates(a) => commands::rates(a),
        Command::Chats(a) => commands::chats(a),
        Command::Chat(a) => commands::chat(a),
        Command::Inbound(a) => commands::inbound(a),
        Command::Capabilities(a) => commands::capabilities(a),
        Command::SendToList(a) => commands::send_to_list(a),
        Command::ConfirmMailing(a) => commands::confirm_mailing(a),
        Command::Mailings(a) => commands::mailings(a),
        Command::Mailing(a) => commands::mailing(a),
        Command::DeliveryList(a) => commands::delivery_list(a),
        Command::MarkRead(a) => commands::mark_read(a),
        Command::SmsInfo(a) => commands::sms_info(a),
        Command::Webhook { command } => commands::webhook(command),
        Command::Sandbox(a) => commands::sandbox(a),
        Command::Demo(a) => demo::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            match &failure {
                Failure::Usage(message) => eprintln!("error: {message}"),
                Failure::Sdk { error, json } => {
                    if *json {
                        println!("{}", error.to_json());
                    } else if !error.rejected.is_empty() {
                        // The reason of every number, as `--json` lists them in `rejected`.
                        output::rejected_table(&error.rejected);
                        println!();
                    }
                    eprintln!("error: {}", output::error_line(error));
                }
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Why a command failed.
pub enum Failure {
    Usage(String),
    Sdk { error: Error, json: bool },
}

impl Failure {
    pub fn sdk(error: Error, json: bool) -> Failure {
        Failure::Sdk { error, json }
    }

    fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => exit::USAGE,
            Failure::Sdk { error, .. } => error_exit_code(error),
        }
    }
}

/// The exit code of an error: whether vibergate refused before sending, the provider refused
/// the request or every recipient, or the provider could not be reached.
pub fn error_exit_code(error: &Error) -> u8 {
    // The same codes come from vibergate's own checks and from providers (SMS Club answers
    // HTTP 463 "no proper number" as `no_valid_recipients`): an HTTP status, or a router's
    // attempt that made requests, says that a provider refused.
    let from_provider =
        error.http_status.is_some() || error.attempts.iter().any(|a| a.requests > 0);
    match error.code() {
        ErrorCode::Transport | ErrorCode::Timeout | ErrorCode::Decode => exit::NETWORK,
        ErrorCode::Internal => exit::INTERNAL,
        ErrorCode::NoValidRecipients if from_provider => exit::REFUSED,
        ErrorCode::InvalidConfig
        | ErrorCode::InvalidMessage
        | ErrorCode::Unsupported
        | ErrorCode::NoValidRecipients
            if !from_provider =>
        {
            exit::VALIDATION
        }
        _ => exit::PROVIDER,
    }
}

pub type CmdResult = Result<u8, Failure>;
