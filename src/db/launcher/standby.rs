//! A streaming standby of the private cluster, in a directory of its own
//! (another disk): `pg_basebackup` over the primary's unix socket, with a
//! replication slot so the primary keeps the WAL the standby has not
//! received, and the connection settings and `standby.signal` it writes.
//! The primary then names it in `synchronous_standby_names`, so a commit
//! returns only once the standby has flushed it (docs/operations/
//! replication.md).

use std::path::Path;

use super::command::{command_failed, run};
use super::lock::LockFile;
use super::placement::path_str;
use super::{LauncherError, LocalPostgres, PG_CTL_TIMEOUT_SECS, SUPERUSER};

impl LocalPostgres {
    /// Copies `primary` into the cluster directory under `data_dir` and
    /// starts it as a standby streaming from it, as `name` (its
    /// `application_name`, and the name of its replication slot). The
    /// directory must not hold a cluster yet; the slot must exist, unused
    /// (`odb standby create` makes it).
    pub fn create_standby(
        data_dir: &Path,
        primary: &LocalPostgres,
        name: &str,
    ) -> Result<LocalPostgres, LauncherError> {
        let mut standby = LocalPostgres::prepare(data_dir)?;
        let _lock = LockFile::acquire(&standby.cluster_dir.join("launcher.lock"))?;
        if standby.pgdata.join("PG_VERSION").exists() {
            return Err(LauncherError::InvalidPath {
                path: standby.pgdata.clone(),
                reason: "it holds a cluster already; start it with `odb standby start`".into(),
            });
        }
        let socket = path_str(&primary.socket_dir)?;
        let source = format!(
            "host='{}' port={} user={SUPERUSER} application_name={name}",
            socket.replace('\\', "\\\\").replace('\'', "\\'"),
            primary.port
        );
        let mut cmd = standby
            .runner
            .command(&standby.bins.program("pg_basebackup"));
        cmd.arg("-D").arg(&standby.pgdata).args([
            "-d", &source, "-X", "stream", "-S", name, "-R", "-c", "fast",
        ]);
        let (desc, out) = run(&mut cmd)?;
        if !out.status.success() {
            return Err(command_failed(desc, &out));
        }
        standby.pg_ctl_start(false)?;
        standby.started_by_us = true;
        Ok(standby)
    }

    /// Ends recovery: the standby becomes a primary that accepts writes.
    pub fn promote(&self) -> Result<(), LauncherError> {
        let mut cmd = self.runner.command(&self.bins.pg_ctl);
        cmd.arg("promote")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-w", "-t"])
            .arg(PG_CTL_TIMEOUT_SECS.to_string());
        let (desc, out) = run(&mut cmd)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(command_failed(desc, &out))
        }
    }

    /// Stops the server running in the cluster directory under `data_dir`,
    /// whoever started it (`odb standby stop`).
    pub fn stop_in(data_dir: &Path) -> Result<(), LauncherError> {
        let mut postgres = LocalPostgres::prepare(data_dir)?;
        postgres.started_by_us = postgres.is_running()?;
        postgres.stop()
    }

    /// Leaves the server running when this handle is dropped (a standby
    /// outlives the command that started it).
    pub fn keep_running(mut self) {
        self.started_by_us = false;
    }
}
