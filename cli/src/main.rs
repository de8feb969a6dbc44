//! `vibergate`: send Viber messages, read statuses and run the provider sandbox from a shell.

mod commands;
mod demo;
mod output;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use vibergate_core::{Error, ErrorCode};

/// Exit codes: what went wrong, for scripts.
pub mod exit {
    /// Bad arguments (clap's own code).
    pub const USAGE: u8 = 2;
    /// The configuration or message was refused before sending.
    pub const VALIDATION: u8 = 3;
    /// The provider refused the request (auth, funds, rate limit, its own failure…).
    pub const PROVIDER: u8 = 4;
    /// The provider could not be reached or understood (transport, timeout, decode).
    pub const NETWORK: u8 = 5;
    /// A send finished with recipients rejected or uncertain.
    pub const PARTIAL: u8 = 6;
    /// A bug.
    pub const INTERNAL: u8 = 70;
}

const EXAMPLES: &str = "Examples:
  vibergate demo
  vibergate sandbox --port 8080
  export VIBERGATE_DSN='smsclub://TOKEN@default?sender=Shop'
  vibergate send --to 380989361121 --text 'Your order has shipped' --json
  vibergate send --to-file phones.txt --text 'Sale!' --button-text Open --button-url https://shop.example
  vibergate status 5769 5770
  vibergate webhook parse --provider inteltele --method GET --query 'msgid=abc&status=delivrd'

Exit codes: 0 ok, 2 usage, 3 validation, 4 provider error, 5 network, 6 partly rejected/uncertain.";

#[derive(Parser)]
#[command(name = "vibergate", version, about = "Viber business messages through SMS Club, SMS.by, DecisionTelecom and Intel-Tele", after_help = EXAMPLES)]
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
        after_help = "Example:\n  vibergate send-personalized people.csv --button-text Open"
    )]
    SendPersonalized(commands::PersonalizedArgs),
    /// Delivery status of message ids.
    #[command(after_help = "Example:\n  vibergate status 5769 5770 --json")]
    Status(commands::StatusArgs),
    /// Statuses of an SMS.by mailing batch.
    #[command(name = "status-batch")]
    StatusBatch(commands::IdArgs),
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
    ConfirmMailing(commands::IdArgs),
    /// SMS.by: list mailings.
    Mailings(commands::MailingsArgs),
    /// SMS.by: one mailing.
    Mailing(commands::IdArgs),
    /// SMS.by: phones and states of a mailing.
    #[command(name = "delivery-list")]
    DeliveryList(commands::IdArgs),
    /// SMS.by: mark incoming messages read.
    #[command(name = "mark-read")]
    MarkRead(commands::StatusArgs),
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
                    }
                    eprintln!("error: {error}");
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
            Failure::Sdk { error, .. } => match error.code() {
                ErrorCode::InvalidConfig
                | ErrorCode::InvalidMessage
                | ErrorCode::Unsupported
                | ErrorCode::NoValidRecipients => exit::VALIDATION,
                ErrorCode::Transport | ErrorCode::Timeout | ErrorCode::Decode => exit::NETWORK,
                ErrorCode::Internal => exit::INTERNAL,
                _ => exit::PROVIDER,
            },
        }
    }
}

pub type CmdResult = Result<u8, Failure>;
