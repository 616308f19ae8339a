//! `odb fixtures`: the demo dataset and generated profiles.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use diesel::PgConnection;

use odb::config::Settings;
use odb::context::Ctx;
use odb::crypto::Keyring;
use odb::fixtures::{self, Outcome};

use super::database::owner_connection;
use super::keys::{master_keys, open_keyring};

#[derive(Subcommand)]
pub(super) enum FixturesCommand {
    /// Load a named dataset (only `demo` exists) once.
    Load { name: String },
    /// Generate deterministic, realistic CBCCVC profiles over the organization tree and party
    /// members over party units under every organization (COPY, sealed; members resume).
    Generate {
        #[arg(long)]
        officials: Option<u64>,
        /// Party members in all (a rerun with the same seed resumes up to it).
        #[arg(long)]
        party_members: Option<u64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

pub(super) fn run(
    settings: &Settings,
    command: FixturesCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    match command {
        FixturesCommand::Load { name } => {
            anyhow::ensure!(
                name == "demo",
                "unknown dataset {name:?}; the one dataset is `demo`"
            );
            let masters = master_keys(settings, false)?;
            let (_db, mut conn) = owner_connection(settings)?;
            let keyring = open_keyring(masters, &mut conn)?;
            load_demo(&mut conn, &keyring, now)
        }
        FixturesCommand::Generate {
            officials,
            party_members,
            seed,
        } => {
            anyhow::ensure!(
                officials.is_some() || party_members.is_some(),
                "say how many: --officials N and/or --party-members M"
            );
            let masters = master_keys(settings, false)?;
            let (_db, mut conn) = owner_connection(settings)?;
            let keyring = open_keyring(masters, &mut conn)?;
            if let Some(count) = officials {
                generate_officials(&mut conn, &keyring, count, seed, now)?;
            }
            match party_members {
                Some(count) => generate_party_members(&mut conn, &keyring, (count, seed), now),
                None => Ok(()),
            }
        }
    }
}

/// Loads the demo organizations once and says what happened.
pub(super) fn load_demo(
    conn: &mut PgConnection,
    keyring: &Keyring,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let outcome = Ctx::as_operator(conn, keyring, now, "odb fixtures", fixtures::load_demo)
        .map_err(|e| anyhow::anyhow!("loading the demo dataset: {e:?}"))?;
    match outcome {
        Outcome::Loaded { organizations, reorganizations, quotas } => println!(
            "demo dataset loaded: {organizations} organizations, {reorganizations} reorganizations, {quotas} quotas"
        ),
        Outcome::AlreadyLoaded => println!("demo dataset already loaded"),
    }
    Ok(())
}

pub(super) fn generate_officials(
    conn: &mut PgConnection,
    keyring: &Keyring,
    count: u64,
    seed: u64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut report = |done: u64| {
        if done % 50_000 == 0 || done == count {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("odb: {done}/{count} profiles ({rate:.0}/s)");
        }
    };
    let written = fixtures::officials::generate(conn, keyring, count, seed, now, &mut report)
        .map_err(|e| anyhow::anyhow!("generating profiles: {}", e.to_problem().detail))?;
    println!(
        "{written} profiles generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(super) fn generate_party_members(
    conn: &mut PgConnection,
    keyring: &Keyring,
    (count, seed): (u64, u64),
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let mut first = None;
    let mut report = |done: u64| {
        let from = *first.get_or_insert(done.saturating_sub(5_000));
        if done % 50_000 == 0 || done == count {
            let rate = (done - from) as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprintln!("odb: {done}/{count} party members ({rate:.0}/s)");
        }
    };
    let written = fixtures::party_members::generate(conn, keyring, (count, seed), now, &mut report)
        .map_err(|e| anyhow::anyhow!("generating party members: {}", e.to_problem().detail))?;
    println!(
        "{written} party members (seed {seed}) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
