//! `odb sync-client`: machine clients of the synchronization (docs/integration/moha-sync.md).

use chrono::{DateTime, Duration, Utc};
use clap::Subcommand;

use odb::config::Settings;
use odb::context::Ctx;
use odb::sync::clients::{self, NewClient};
use odb::sync::model::IssuedClient;

use super::database::owner_connection;
use super::detail;
use super::keys::{master_keys, open_keyring};

#[derive(Subcommand)]
pub(super) enum SyncClientCommand {
    /// Register a client over an organization's subtree; prints its id and secret once.
    Create {
        #[arg(long)]
        name: String,
        /// Code of the organization whose subtree the client writes.
        #[arg(long)]
        org: String,
        /// The X-Road client identifier its security server sends, if any.
        #[arg(long)]
        xroad_client: Option<String>,
        /// Print {"id","name","secret","previous_until"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Refuse the client's requests from now on.
    Revoke {
        #[arg(long)]
        name: String,
    },
    /// Issue a new secret; the current one keeps working for the overlap.
    Rotate {
        #[arg(long)]
        name: String,
        /// Hours the previous secret still works (0 to 720).
        #[arg(long, default_value_t = 24)]
        overlap_hours: i64,
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(
    settings: &Settings,
    command: SyncClientCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let masters = master_keys(settings, false)?;
    let (_db, mut conn) = owner_connection(settings)?;
    let keyring = open_keyring(masters, &mut conn)?;
    let conn = &mut conn;
    match command {
        SyncClientCommand::Create {
            name,
            org,
            xroad_client,
            json,
        } => {
            let input = NewClient {
                name,
                org_code: org,
                xroad_client,
            };
            let issued = Ctx::as_operator(conn, &keyring, now, "odb sync-client create", |ctx| {
                clients::create(ctx, input)
            })
            .map_err(detail)?;
            print_issued(&issued, json)?;
        }
        SyncClientCommand::Revoke { name } => {
            let id = Ctx::as_operator(conn, &keyring, now, "odb sync-client revoke", |ctx| {
                clients::revoke(ctx, &name)
            })
            .map_err(detail)?;
            println!("revoked sync client {name} ({id})");
        }
        SyncClientCommand::Rotate {
            name,
            overlap_hours,
            json,
        } => {
            let overlap = Duration::hours(overlap_hours);
            let issued = Ctx::as_operator(conn, &keyring, now, "odb sync-client rotate", |ctx| {
                clients::rotate(ctx, &name, overlap)
            })
            .map_err(detail)?;
            print_issued(&issued, json)?;
        }
    }
    Ok(())
}

fn print_issued(issued: &IssuedClient, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(issued)?);
        return Ok(());
    }
    println!("client id: {}", issued.id);
    println!("name:      {}", issued.name);
    println!("secret:    {}", issued.secret);
    if let Some(until) = issued.previous_until {
        println!("the previous secret works until {}", until.to_rfc3339());
    }
    println!("The secret is shown once: give it to the client's operator now.");
    Ok(())
}
