//! `odb sync push`: the reference sender of docs/integration/moha-sync.md.
//! Reads change events, one JSON object a line, signs each batch as the
//! document says and POSTs it, sending a batch again (the same events, a
//! new signature) after a connection error or a 5xx, and prints every
//! event's outcome. For integrators to test against, and for our tests and
//! benchmark (bench/sync.sh).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::Value;

use odb::sync::model::MAX_BATCH;
use odb::sync::signature::{body_sha256, sign, string_to_sign};

const EVENTS: &str = "/api/v1/sync/moha/events";

/// The longest wait between two tries of a batch.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Subcommand)]
pub(super) enum SyncCommand {
    /// Send events (JSON lines) in signed batches; print each event's outcome.
    Push(PushArgs),
}

#[derive(Args)]
pub(super) struct PushArgs {
    /// ODB's base URL, e.g. https://odb.example.gov.vn
    #[arg(long)]
    url: String,
    /// The client id `odb sync-client create` printed.
    #[arg(long)]
    client: String,
    /// A file holding the client's secret (surrounding whitespace ignored).
    #[arg(long)]
    secret_file: PathBuf,
    /// Events a batch (1 to 1,000).
    #[arg(long, default_value_t = MAX_BATCH)]
    batch: usize,
    /// Tries of one batch before giving up.
    #[arg(long, default_value_t = 10)]
    tries: u32,
    /// Print one JSON line a batch (events, seconds, tries, counts) instead
    /// of one line an event.
    #[arg(long)]
    timings: bool,
    /// The events, one JSON object a line.
    events: PathBuf,
}

pub(super) fn run(command: SyncCommand) -> anyhow::Result<()> {
    let SyncCommand::Push(args) = command;
    if args.batch == 0 || args.batch > MAX_BATCH {
        bail!("--batch takes 1 to {MAX_BATCH}");
    }
    let secret = std::fs::read_to_string(&args.secret_file)
        .with_context(|| format!("reading {}", args.secret_file.display()))?
        .trim()
        .to_owned();
    let events = read_events(&args.events)?;
    let sender = Sender {
        http: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(600))
            .build()?,
        url: format!("{}{EVENTS}", args.url.trim_end_matches('/')),
        client: args.client.clone(),
        secret,
        tries: args.tries.max(1),
    };
    let mut out = std::io::stdout().lock();
    for batch in events.chunks(args.batch) {
        let body = serde_json::to_vec(&serde_json::json!({ "events": batch }))?;
        let began = Instant::now();
        let (answer, tries) = sender.send(&body)?;
        let seconds = began.elapsed().as_secs_f64();
        if args.timings {
            let mut line =
                serde_json::json!({"events": batch.len(), "seconds": seconds, "tries": tries});
            for outcome in ["applied", "duplicate", "stale", "rejected"] {
                line[outcome] = answer[outcome].clone();
            }
            writeln!(out, "{line}")?;
        } else {
            print_outcomes(&mut out, batch, &answer)?;
        }
    }
    Ok(())
}

fn read_events(path: &PathBuf) -> anyhow::Result<Vec<Value>> {
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut events = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(&line)
            .with_context(|| format!("{} line {}", path.display(), number + 1))?;
        events.push(event);
    }
    Ok(events)
}

struct Sender {
    http: reqwest::blocking::Client,
    url: String,
    client: String,
    secret: String,
    tries: u32,
}

/// What one try of a batch came to.
enum Try {
    Answered(Value),
    /// Worth sending again: no answer, or a server fault.
    Again(String),
}

impl Sender {
    /// Sends `body` until it is answered, backing off 1, 2, 4, … seconds
    /// (at most 30) between tries; returns the answer and the tries taken.
    fn send(&self, body: &[u8]) -> anyhow::Result<(Value, u32)> {
        let mut wait = Duration::from_secs(1);
        for attempt in 1..=self.tries {
            match self.try_once(body)? {
                Try::Answered(answer) => return Ok((answer, attempt)),
                Try::Again(why) if attempt < self.tries => {
                    eprintln!("sync push: {why}; sending the batch again in {wait:?}");
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(MAX_BACKOFF);
                }
                Try::Again(why) => bail!("{why}; gave up after {attempt} tries"),
            }
        }
        bail!("no tries")
    }

    /// Signed now: a resent batch carries a fresh timestamp and signature.
    fn try_once(&self, body: &[u8]) -> anyhow::Result<Try> {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let target = reqwest::Url::parse(&self.url)?;
        let path = match target.query() {
            Some(query) => format!("{}?{query}", target.path()),
            None => target.path().to_owned(),
        };
        let lines = string_to_sign(&self.client, &timestamp, "POST", &path, &body_sha256(body));
        let sent = self
            .http
            .post(target)
            .header("Content-Type", "application/json")
            .header("X-ODB-Client", &self.client)
            .header("X-ODB-Timestamp", &timestamp)
            .header("X-ODB-Signature", sign(&self.secret, &lines))
            .body(body.to_vec())
            .send();
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Ok(Try::Again(format!("no answer: {error}"))),
        };
        let status = response.status();
        let text = match response.text() {
            Ok(text) => text,
            Err(error) => return Ok(Try::Again(format!("answer cut short: {error}"))),
        };
        if status.is_server_error() {
            return Ok(Try::Again(format!("{status}: {text}")));
        }
        if !status.is_success() {
            bail!("{status}: {text}");
        }
        Ok(Try::Answered(serde_json::from_str(&text)?))
    }
}

/// One line an event: its sequence, id and outcome, then why for a
/// rejected one (the problem's detail and the fields it names).
fn print_outcomes(out: &mut impl Write, batch: &[Value], answer: &Value) -> anyhow::Result<()> {
    let results = answer["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for result in results {
        let index = result["index"].as_u64().unwrap_or_default() as usize;
        let sequence = batch.get(index).map(|e| e["sequence"].clone());
        let mut line = format!(
            "{}\t{}\t{}",
            sequence.unwrap_or(Value::Null),
            text(&result["event_id"]),
            text(&result["outcome"])
        );
        let problem = &result["problem"];
        if problem.is_object() {
            line.push('\t');
            line.push_str(&text(&problem["detail"]));
            let fields: Vec<String> = problem["errors"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .map(|e| format!("{}: {}", text(&e["field"]), text(&e["message"])))
                .collect();
            if !fields.is_empty() {
                line.push_str(&format!(" ({})", fields.join("; ")));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}
