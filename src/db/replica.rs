//! What the service knows of its cluster without asking on every request:
//! whether commits wait for a synchronous standby, and how far a read
//! replica has replayed the primary's WAL. A watcher thread learns both
//! (docs/decisions/0033-read-replica-and-confirmation-only-when-waited-for.md).
//!
//! The replica is read instead of the primary when everything the primary
//! had written a short while ago (`max_lag`) is replayed on it, and the
//! caller has changed nothing since the last point it replayed through
//! (read-your-writes): otherwise the primary answers.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Bool, Nullable};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};

use super::{PgConn, PgPool};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;

/// How often the replica's progress is sampled; a caller's own change is
/// read from the primary for about this long, plus the replica's delay.
const SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// How often `synchronous_standby_names` is read again.
const SETTINGS_EVERY: Duration = Duration::from_secs(1);
/// Samples of the primary's position kept while the replica lags.
const MOST_PENDING: usize = 4_096;
/// Callers whose last change is remembered before the old ones are dropped.
const MOST_WRITERS: usize = 10_000;

/// A streaming replica of the primary for searches, lists and statistics
/// (`ODB_READ_DATABASE_URL`), read only while it lags at most `max_lag`.
pub struct ReadReplica {
    pub pool: PgPool,
    pub max_lag: Duration,
}

/// What the watcher learns, shared with the requests.
pub(super) struct Watched {
    /// Whether `synchronous_standby_names` names a standby: only then is a
    /// change's commit confirmed (`odb_commit_replicated`). True until read.
    sync_standbys: AtomicBool,
    pub(super) replica: Option<Replica>,
}

pub(super) struct Replica {
    pub(super) pool: PgPool,
    max_lag: Duration,
    progress: Mutex<Progress>,
    /// When each caller's last change was committed.
    writes: Mutex<HashMap<UserId, Instant>>,
}

#[derive(Default)]
struct Progress {
    /// Everything the primary had committed before this instant is
    /// replayed on the replica.
    replayed_through: Option<Instant>,
    /// The primary's WAL positions, and when each was read, that the
    /// replica had not replayed yet; oldest first.
    pending: VecDeque<(Instant, i64)>,
    failing: bool,
}

impl Watched {
    pub(super) fn start(primary: PgPool, replica: Option<ReadReplica>) -> Arc<Watched> {
        let watched = Arc::new(Watched {
            sync_standbys: AtomicBool::new(true),
            replica: replica.map(|r| Replica {
                pool: r.pool,
                max_lag: r.max_lag,
                progress: Mutex::default(),
                writes: Mutex::default(),
            }),
        });
        let weak = Arc::downgrade(&watched);
        let spawned = std::thread::Builder::new()
            .name("odb-db-watch".into())
            .spawn(move || watch(&weak, &primary));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the database watcher: every change is confirmed, no read goes to the replica");
        }
        watched
    }

    /// Whether a committed change must be confirmed on the standbys.
    pub(super) fn sync_standbys(&self) -> bool {
        self.sync_standbys.load(Ordering::Relaxed)
    }
}

/// Runs until the service's `Db` is gone.
fn watch(watched: &Weak<Watched>, primary: &PgPool) {
    let mut settings_read: Option<Instant> = None;
    loop {
        let Some(current) = watched.upgrade() else {
            return;
        };
        if settings_read.is_none_or(|at| at.elapsed() >= SETTINGS_EVERY) {
            match primary.with(sync_standbys_named) {
                Ok(named) => {
                    current.sync_standbys.store(named, Ordering::Relaxed);
                    settings_read = Some(Instant::now());
                }
                // unknown: keep confirming, the safe side
                Err(error) => {
                    current.sync_standbys.store(true, Ordering::Relaxed);
                    tracing::warn!(%error, "cannot read synchronous_standby_names");
                }
            }
        }
        let pause = match &current.replica {
            Some(replica) => {
                replica.sample(primary);
                SAMPLE_EVERY
            }
            None => SETTINGS_EVERY,
        };
        drop(current);
        std::thread::sleep(pause);
    }
}

impl Replica {
    /// Whether `caller` reads from the replica now.
    pub(super) fn serves(&self, caller: Option<UserId>) -> bool {
        let through = lock(&self.progress).replayed_through;
        let Some(through) = through else {
            return false;
        };
        if through.elapsed() > self.max_lag {
            return false;
        }
        let wrote = caller.and_then(|id| lock(&self.writes).get(&id).copied());
        wrote.is_none_or(|at| at < through)
    }

    /// A connection to the replica on which `begin` (the transaction and
    /// its scope) has been sent; none when the replica could not open it.
    pub(super) fn begin(&self, begin: &str) -> Option<PgConn> {
        let opened = self
            .pool
            .get()
            .map_err(AppError::from)
            .and_then(|mut conn| {
                self.pool
                    .first_use(&mut conn, |conn| super::begin_transaction(conn, begin))?;
                Ok(conn)
            });
        opened
            .inspect_err(|error| {
                tracing::warn!(%error, "the read replica did not open a transaction; reading from the primary");
            })
            .ok()
    }

    /// `caller` has just committed a change: it reads from the primary
    /// until the replica has replayed it.
    pub(super) fn wrote(&self, caller: UserId) {
        let now = Instant::now();
        let mut writes = lock(&self.writes);
        if writes.len() >= MOST_WRITERS {
            // a change older than max_lag is replayed, or the replica is
            // too far behind to be read at all
            let max_lag = self.max_lag;
            writes.retain(|_, at| now.duration_since(*at) <= max_lag);
        }
        writes.insert(caller, now);
    }

    /// Reads the primary's position, then how far the replica replayed.
    fn sample(&self, primary: &PgPool) {
        let asked = Instant::now();
        let outcome = primary
            .with(|conn| position(conn, "pg_current_wal_insert_lsn()"))
            .and_then(|written| {
                let replayed = self
                    .pool
                    .with(|conn| position(conn, "pg_last_wal_replay_lsn()"))?;
                Ok((written, replayed))
            });
        let mut progress = lock(&self.progress);
        match outcome {
            Ok((Some(written), Some(replayed))) => {
                progress.advance(asked, written, replayed);
                if std::mem::take(&mut progress.failing) {
                    tracing::info!("the read replica answers again");
                }
            }
            Ok(_) => progress.fail("the read replica is not a standby in recovery"),
            Err(error) => progress.fail(&error.to_string()),
        }
    }
}

impl Progress {
    fn advance(&mut self, asked: Instant, written: i64, replayed: i64) {
        if self.pending.len() == MOST_PENDING {
            self.pending.pop_front();
        }
        self.pending.push_back((asked, written));
        while let Some(&(at, position)) = self.pending.front() {
            if position > replayed {
                break;
            }
            self.replayed_through = Some(at);
            self.pending.pop_front();
        }
    }

    fn fail(&mut self, why: &str) {
        if !std::mem::replace(&mut self.failing, true) {
            tracing::warn!(
                why,
                "the read replica cannot be used; reads go to the primary"
            );
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl PgPool {
    /// `work` on a connection from the pool, replaced once if it was closed.
    fn with<T>(&self, work: impl Fn(&mut PgConnection) -> AppResult<T>) -> AppResult<T> {
        let mut conn = self.get()?;
        self.first_use(&mut conn, work)
    }
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Nullable<BigInt>)]
    position: Option<i64>,
}

/// A WAL position as a number of bytes (NULL: not in recovery).
fn position(conn: &mut PgConnection, lsn: &str) -> AppResult<Option<i64>> {
    let row: Position = diesel::sql_query(format!("SELECT ({lsn} - '0/0')::bigint AS position"))
        .get_result(conn)?;
    Ok(row.position)
}

#[derive(QueryableByName)]
struct Named {
    #[diesel(sql_type = Bool)]
    named: bool,
}

fn sync_standbys_named(conn: &mut PgConnection) -> AppResult<bool> {
    let row: Named = diesel::sql_query(
        "SELECT btrim(current_setting('synchronous_standby_names')) <> '' AS named",
    )
    .get_result(conn)?;
    Ok(row.named)
}
