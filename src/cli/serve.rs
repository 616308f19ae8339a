//! `odb serve` and `odb demo`: migrate, open the keyring, run the HTTP server
//! and sign audit checkpoints while it runs.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use diesel::{Connection, PgConnection};

use odb::audit::CheckpointStore;
use odb::clock::Clock;
use odb::config::Settings;
use odb::crypto::{Keyring, MasterKeys};
use odb::db::{Db, PgPool, ReadReplica};
use odb::startup::Application;

use super::audit::checkpoints;
use super::database::{database, Database};
use super::demo;
use super::keys::{master_keys, open_keyring};

pub(super) fn serve(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    if demo {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let masters = master_keys(settings, demo)?;
    let db = database(settings)?;
    let applied = odb::db::run_migrations(&db.url)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "migrations applied");
    }
    let keyring = Arc::new(prepare_data(settings, &db, masters, demo)?);
    let store = Arc::new(checkpoints(settings)?);
    let pool = odb::db::build_pool(&db.url, settings.pool_size)?;
    let replica = read_replica(settings)?;
    let listener = TcpListener::bind(settings.bind)?;
    run_server(settings, listener, (pool, replica), keyring, store)?;
    println!("ODB stopped");
    Ok(())
}

/// The read replica's pool, when ODB_READ_DATABASE_URL names one. Its
/// connections work as odb_app like the primary's; nothing is migrated there
/// (it replays the primary).
fn read_replica(settings: &Settings) -> anyhow::Result<Option<ReadReplica>> {
    let Some(url) = &settings.read_database_url else {
        return Ok(None);
    };
    tracing::info!(
        max_lag_ms = settings.read_max_lag_ms,
        "searches, lists and statistics read from the replica"
    );
    Ok(Some(ReadReplica {
        pool: odb::db::build_pool(url, settings.pool_size)?,
        max_lag: Duration::from_millis(settings.read_max_lag_ms),
    }))
}

/// Opens the keyring, marks failed the imports a dead process left
/// running and, for the demo, creates what the demo shows.
fn prepare_data(
    settings: &Settings,
    db: &Database,
    masters: MasterKeys,
    demo: bool,
) -> anyhow::Result<Keyring> {
    let now = Clock::default().now();
    let mut conn = PgConnection::establish(&db.url)?;
    let keyring = open_keyring(masters, &mut conn)?;
    // an import left running by a process that died is failed, and now says so
    odb::context::Ctx::as_operator(&mut conn, &keyring, now, "odb serve", |ctx| {
        odb::imports::service::settle(ctx, None)
    })
    .map_err(|e| anyhow::anyhow!("{}", e.to_problem().detail))?;
    if demo {
        demo::prepare(&mut conn, &keyring, &settings.data_dir, now)?;
    }
    Ok(keyring)
}

/// Runs the server until it is stopped (Ctrl-C), then signs a last checkpoint.
fn run_server(
    settings: &Settings,
    listener: TcpListener,
    (pool, replica): (PgPool, Option<ReadReplica>),
    keyring: Arc<Keyring>,
    store: Arc<CheckpointStore>,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    let every = Duration::from_secs(settings.audit_checkpoint_seconds.max(1));
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(
            listener,
            Db::new(pool.clone(), replica),
            Clock::default(),
            keyring,
            settings.workers,
            settings.trusted_proxies.clone(),
        )?;
        let checkpointer =
            actix_web::rt::spawn(checkpoint_every(pool.clone(), store.clone(), every));
        println!("ODB listening on http://{address} (Ctrl-C to stop)");
        let result = app.run_until_stopped().await;
        checkpointer.abort();
        checkpoint_once(pool, store).await;
        result
    })?;
    Ok(())
}

/// Signs the latest audit hash into the checkpoint file now and then, so a
/// rewritten chain no longer matches what was recorded outside the database.
async fn checkpoint_every(pool: PgPool, store: Arc<CheckpointStore>, every: Duration) {
    let mut ticks = actix_web::rt::time::interval(every);
    loop {
        ticks.tick().await;
        checkpoint_once(pool.clone(), store.clone()).await;
    }
}

async fn checkpoint_once(pool: PgPool, store: Arc<CheckpointStore>) {
    let written = actix_web::web::block(move || -> anyhow::Result<()> {
        let mut conn = pool.get()?;
        store.write_latest(&mut conn, Clock::default().now())?;
        Ok(())
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(error = %error, "audit checkpoint failed"),
        Err(error) => tracing::error!(error = %error, "audit checkpoint task failed"),
    }
}
