//! What `odb demo` adds to serving: the demo dataset, generated profiles and
//! party members, seven accounts, two dossiers and a CCOP department's month
//! of groupware, all created on first start only.

use std::path::Path;

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use odb::auth::admin::{self, Bootstrap, NewOperatorAccount};
use odb::auth::model::Role;
use odb::context::Ctx;
use odb::crypto::Keyring;
use odb::fixtures::officials::{DEMO_PROFILES, DEMO_SEED};

use super::detail;
use super::fixtures::{generate_officials, generate_party_members, load_demo};
use super::user::print_account;

/// Generated party members on top of the demo's own (some of them the
/// profiles' people); a rerun with the same seed finds them made.
const DEMO_PARTY_MEMBERS: u64 = 300;

/// Loads what is missing and prints the demo accounts.
pub(super) fn prepare(
    conn: &mut PgConnection,
    keyring: &Keyring,
    data_dir: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    load_demo(conn, keyring, now)?;
    if odb::officials::repo::count(conn)? == 0 {
        generate_officials(conn, keyring, DEMO_PROFILES, DEMO_SEED, now)?;
    }
    generate_party_members(conn, keyring, (DEMO_PARTY_MEMBERS, DEMO_SEED), now)?;
    demo_accounts(conn, keyring, data_dir, now)
}

/// Demo accounts: an administrator at the root, a Hà Nội officer (organizations,
/// personnel, party), a Bắc Ninh party officer and a Hà Nội dossier officer,
/// with two dossiers for the last to read, and three CCOP groupware staff
/// (`odb::fixtures::groupware_demo`).
/// Their credentials are kept (mode 0600) in the data directory so that every
/// demo start can print them; a real deployment uses `odb user create`.
fn demo_accounts(
    conn: &mut PgConnection,
    keyring: &Keyring,
    data_dir: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let file = data_dir.join("demo-accounts.json");
    if !file.exists() {
        create_demo_accounts(conn, keyring, &file, now)?;
    }
    let accounts: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(&file)?)?;
    println!("demo accounts (sign in with the password, then a TOTP code from the secret):");
    for account in accounts {
        let field = |name: &str| account[name].as_str().unwrap_or_default().to_owned();
        print_account(&Bootstrap {
            username: field("username"),
            password: field("password"),
            totp_secret: field("totp_secret"),
            otpauth_url: field("otpauth_url"),
        });
        println!();
    }
    Ok(())
}

fn create_demo_accounts(
    conn: &mut PgConnection,
    keyring: &Keyring,
    file: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let accounts = [
        ("demo.admin", None, vec![Role::SystemAdmin, Role::Auditor]),
        (
            "hanoi.officer",
            Some("P01"),
            vec![Role::OrgAdmin, Role::PersonnelViewer, Role::PartyEditor],
        ),
        // the receiving side of a transfer from Hà Nội (docs/party-guide.md)
        ("bacninh.party", Some("P27"), vec![Role::PartyEditor]),
        // DB3: the demo's dossiers are about Hà Nội profiles
        ("hanoi.dossiers", Some("P01"), vec![Role::DossierOfficer]),
        // the correspondence register, tasks and rooms in the portal
        ("hanoi.clerk", Some("P01"), vec![Role::GroupwareUser]),
    ];
    let created = Ctx::as_operator(conn, keyring, now, "odb demo", |ctx| {
        let mut created = accounts
            .into_iter()
            .map(|(username, org, roles)| {
                let account = NewOperatorAccount {
                    username: username.to_owned(),
                    org_code: org.map(str::to_owned),
                    roles,
                };
                admin::bootstrap_user(ctx, account)
            })
            .collect::<Result<Vec<_>, _>>()?;
        odb::fixtures::dossier_demo::load(ctx, "P01")?;
        // CCOP staff with a month of correspondence, tasks and meetings
        created.extend(odb::fixtures::groupware_demo::load(ctx)?);
        Ok(created)
    })
    .map_err(detail)?;
    let text = serde_json::to_string_pretty(&created)?;
    write_private(file, text.as_bytes())?;
    Ok(())
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}
