//! `odb user`: accounts from the command line (bootstrap, recovery).

use chrono::{DateTime, Utc};
use clap::Subcommand;

use odb::auth::admin::{self, Bootstrap, NewOperatorAccount};
use odb::auth::model::Role;
use odb::config::Settings;
use odb::context::Ctx;

use super::database::owner_connection;
use super::detail;
use super::keys::{master_keys, open_keyring};

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Create an account with a generated password and an enrolled TOTP secret, and print them.
    Create {
        #[arg(long)]
        username: String,
        /// Code of the home organization, where the roles are granted (default: the root).
        #[arg(long)]
        org: Option<String>,
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Print {"username","password","totp_secret","otpauth_url"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove the second factor: the user enrolls again at next sign-in; sessions end.
    ResetMfa {
        #[arg(long)]
        username: String,
    },
    /// Lift a lock caused by failed attempts.
    Unlock {
        #[arg(long)]
        username: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {text:?}; one of: {}", all.join(", "))
    })
}

pub(super) fn run(
    settings: &Settings,
    command: UserCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let masters = master_keys(settings, false)?;
    let (_db, mut conn) = owner_connection(settings)?;
    let keyring = open_keyring(masters, &mut conn)?;
    let conn = &mut conn;
    match command {
        UserCommand::Create {
            username,
            org,
            roles,
            json,
        } => {
            let account = NewOperatorAccount {
                username,
                org_code: org,
                roles,
            };
            let created = Ctx::as_operator(conn, &keyring, now, "odb user create", |ctx| {
                admin::bootstrap_user(ctx, account)
            })
            .map_err(detail)?;
            if json {
                println!("{}", serde_json::to_string(&created)?);
            } else {
                print_account(&created);
            }
        }
        UserCommand::ResetMfa { username } => {
            Ctx::as_operator(conn, &keyring, now, "odb user reset_mfa", |ctx| {
                admin::reset_mfa(ctx, &username)
            })
            .map_err(detail)?;
            println!(
                "{username}: second factor removed; enrollment at next sign-in; sessions ended"
            );
        }
        UserCommand::Unlock { username } => {
            Ctx::as_operator(conn, &keyring, now, "odb user unlock", |ctx| {
                admin::unlock_by_name(ctx, &username)
            })
            .map_err(detail)?;
            println!("{username}: unlocked");
        }
    }
    Ok(())
}

pub(super) fn print_account(account: &Bootstrap) {
    println!("  username:    {}", account.username);
    println!("  password:    {}", account.password);
    println!("  TOTP secret: {}", account.totp_secret);
    println!("  TOTP URL:    {}", account.otpauth_url);
}
