//! Starts a private PostgreSQL cluster from the system's PostgreSQL binaries.
//!
//! Used by the `odb` service when no `DATABASE_URL` is given, and by the test
//! harness (one cluster per test run). The module only manages processes and
//! directories; creating databases is left to the caller.
//!
//! Layout of a cluster directory:
//!
//! ```text
//! <cluster>/pgdata/        the PostgreSQL data directory (mode 0700)
//! <cluster>/socket/        unix_socket_directories (mode 0700)
//! <cluster>/postgres.log   server log written by `pg_ctl -l`
//! <cluster>/launcher.lock  held while a process is starting the cluster
//! ```
//!
//! The server listens only on the unix socket (`listen_addresses=''`).
//!
//! When running as root (initdb and postgres refuse to), every PostgreSQL
//! program is run as the `postgres` system account through `runuser`, and the
//! cluster directory is owned by that account. Where the cluster goes when
//! that account cannot reach the data directory: `placement.rs`.

mod account;
mod backup;
mod binaries;
mod command;
mod error;
mod lock;
mod placement;
mod server;
mod standby;

use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

pub use backup::server_writable_dir;
pub use error::LauncherError;

use account::{is_root, postgres_account};
use binaries::Binaries;
use command::{command_failed, run, Runner};
use lock::LockFile;
use placement::{check_socket_dir, choose_cluster_dir, prepare_dir};

/// Fixed port: only the unix socket is used, but its file name
/// (`.s.PGSQL.<port>`) contains the port, so keep it stable for stable URLs.
const PORT: u16 = 5432;
/// Cluster superuser created by initdb.
const SUPERUSER: &str = "postgres";
/// System account used to run PostgreSQL when we are root.
const SYSTEM_ACCOUNT: &str = "postgres";
/// Seconds `pg_ctl` waits for start-up / shutdown.
const PG_CTL_TIMEOUT_SECS: u64 = 60;

/// Options for [`LocalPostgres::start`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Directory requested by the operator (ODB_DATA_DIR, default ./var).
    pub data_dir: PathBuf,
    /// Test clusters trade durability for speed (fsync=off, synchronous_commit=off, full_page_writes=off).
    pub ephemeral: bool,
    /// Where the server archives each finished WAL segment (`odb backup`),
    /// if anywhere.
    pub archive: Option<PathBuf>,
}

/// A running private PostgreSQL cluster.
#[derive(Debug)]
pub struct LocalPostgres {
    cluster_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    port: u16,
    bins: Binaries,
    runner: Runner,
    started_by_us: bool,
    /// WAL archive directory, and settings for this start only (recovery).
    archive: Option<PathBuf>,
    start_options: String,
}

impl LocalPostgres {
    /// Finds binaries, initdb on first start, starts postgres if not already running for that dir, waits until it accepts connections.
    pub fn start(opts: &ClusterOptions) -> Result<LocalPostgres, LauncherError> {
        let mut pg = LocalPostgres::prepare(&opts.data_dir)?;

        // Serialise concurrent launchers (e.g. parallel test processes) so
        // that only one of them runs initdb / pg_ctl start.
        let _lock = LockFile::acquire(&pg.cluster_dir.join("launcher.lock"))?;

        if pg.is_running()? && pg.adopt_running()? {
            return Ok(pg);
        }
        if !pg.pgdata.join("PG_VERSION").exists() {
            pg.initdb()?;
        }
        if let Some(archive) = &opts.archive {
            pg.archive = Some(backup::prepare_archive(archive)?);
        }
        pg.pg_ctl_start(opts.ephemeral)?;
        pg.started_by_us = true;
        tracing::info!(
            cluster = %pg.cluster_dir.display(),
            bin = %pg.bins.dir.display(),
            ephemeral = opts.ephemeral,
            "started local PostgreSQL"
        );
        Ok(pg)
    }

    /// libpq URL for database `dbname` as the cluster superuser over the unix socket, e.g. "postgresql://postgres@/odb?host=/the/socket/dir" (percent-encode the host path as needed for a query parameter).
    pub fn url(&self, dbname: &str) -> String {
        // The port is given explicitly so that a PGPORT in the environment
        // cannot redirect libpq to another socket file.
        format!(
            "postgresql://{SUPERUSER}@/{}?host={}&port={}",
            percent_encode(dbname.as_bytes(), false),
            percent_encode(self.socket_dir.as_os_str().as_bytes(), true),
            self.port
        )
    }

    /// Where the cluster lives: `<data_dir>/postgres`, or `/tmp/odb-pg-<hash>`
    /// when running as root and the `postgres` account cannot reach `data_dir`.
    pub fn cluster_dir(&self) -> &Path {
        &self.cluster_dir
    }

    /// Stops the cluster (pg_ctl stop -m fast) if this handle started it. Idempotent.
    pub fn stop(&mut self) -> Result<(), LauncherError> {
        if !self.started_by_us {
            return Ok(());
        }
        let mut cmd = self.runner.command(&self.bins.pg_ctl);
        cmd.arg("stop")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-m", "fast", "-w", "-t"])
            .arg(PG_CTL_TIMEOUT_SECS.to_string());
        let (desc, out) = run(&mut cmd)?;
        if !out.status.success() {
            // Someone else may have stopped it already: that is fine.
            if self.is_running()? {
                return Err(command_failed(desc, &out));
            }
            tracing::info!(cluster = %self.cluster_dir.display(), "local PostgreSQL was already stopped");
        } else {
            tracing::info!(cluster = %self.cluster_dir.display(), "stopped local PostgreSQL");
        }
        self.started_by_us = false;
        Ok(())
    }

    /// Finds the binaries and the cluster directory and makes its
    /// directories safe to use; starts nothing.
    fn prepare(data_dir: &Path) -> Result<LocalPostgres, LauncherError> {
        let bins = Binaries::find()?;
        let account = if is_root()? {
            Some(postgres_account()?)
        } else {
            None
        };

        let cluster_dir = choose_cluster_dir(data_dir, account.as_ref())?;
        let pgdata = cluster_dir.join("pgdata");
        let socket_dir = cluster_dir.join("socket");
        check_socket_dir(&socket_dir)?;

        prepare_dir(&cluster_dir, account.as_ref())?;
        prepare_dir(&socket_dir, account.as_ref())?;
        prepare_dir(&pgdata, account.as_ref())?;

        let runner = Runner {
            as_postgres: account.is_some(),
            cwd: cluster_dir.clone(),
        };
        Ok(LocalPostgres {
            cluster_dir,
            pgdata,
            socket_dir,
            port: PORT,
            bins,
            runner,
            started_by_us: false,
            archive: None,
            start_options: String::new(),
        })
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        if let Err(err) = self.stop() {
            tracing::warn!(
                cluster = %self.cluster_dir.display(),
                error = %err,
                "failed to stop local PostgreSQL"
            );
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (and `/`
/// when `keep_slash`).
fn percent_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            s.push(char::from(b));
        } else if b == b'/' && keep_slash {
            s.push('/');
        } else {
            let _ = write!(s, "%{b:02X}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(percent_encode(b"/tmp/a b&c=d", true), "/tmp/a%20b%26c%3Dd");
        assert_eq!(percent_encode(b"odb/x", false), "odb%2Fx");
    }
}
