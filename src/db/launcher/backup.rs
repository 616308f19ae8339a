//! WAL archiving, base backups and point-in-time restore of the private
//! cluster (`odb backup`, `odb restore`; docs/operations/backup.md).

use std::fs;
use std::path::{Path, PathBuf};

use super::account::{is_root, postgres_account};
use super::command::{command_failed, run};
use super::lock::LockFile;
use super::placement::{path_str, prepare_dir};
use super::server::shell_quote;
use super::{LauncherError, LocalPostgres, SUPERUSER};

/// Makes `dir` (and its parents) a directory the server's account owns and
/// writes, mode 0700; answers it absolute. It is named in archive and
/// restore commands, so it may hold no blank, quote or `%`.
pub fn server_writable_dir(dir: &Path) -> Result<PathBuf, LauncherError> {
    fs::create_dir_all(dir)
        .map_err(|e| LauncherError::io(format!("creating {}", dir.display()), e))?;
    let dir = fs::canonicalize(dir)
        .map_err(|e| LauncherError::io(format!("resolving {}", dir.display()), e))?;
    if path_str(&dir)?
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '\'' | '"' | '%' | '\\'))
    {
        return Err(LauncherError::InvalidPath {
            path: dir,
            reason: "it is named in PostgreSQL's archive command: no blanks, quotes or %".into(),
        });
    }
    let account = if is_root()? {
        Some(postgres_account()?)
    } else {
        None
    };
    prepare_dir(&dir, account.as_ref())?;
    Ok(dir)
}

pub(super) fn prepare_archive(dir: &Path) -> Result<PathBuf, LauncherError> {
    server_writable_dir(dir)
}

impl LocalPostgres {
    /// Copies the running cluster into `dest` (which must not exist) with the
    /// WAL that makes the copy consistent: a restore starts from it.
    pub fn base_backup(&self, dest: &Path) -> Result<(), LauncherError> {
        let mut cmd = self.runner.command(&self.bins.program("pg_basebackup"));
        cmd.arg("-D")
            .arg(dest)
            .arg("-h")
            .arg(&self.socket_dir)
            .args(["-p", &self.port.to_string(), "-U", SUPERUSER])
            .args(["-X", "stream", "-c", "fast", "--no-password"]);
        let (desc, out) = run(&mut cmd)?;
        if out.status.success() {
            Ok(())
        } else {
            Err(command_failed(desc, &out))
        }
    }

    /// A new cluster under `data_dir` from the base backup `base`, replaying
    /// the archived WAL in `archive` up to `until` (a timestamp PostgreSQL
    /// reads), then promoted. Started: wait for `pg_is_in_recovery()` to turn
    /// false.
    pub fn restore(
        data_dir: &Path,
        base: &Path,
        archive: &Path,
        until: &str,
    ) -> Result<LocalPostgres, LauncherError> {
        let mut pg = LocalPostgres::prepare(data_dir)?;
        let _lock = LockFile::acquire(&pg.cluster_dir.join("launcher.lock"))?;
        if pg.pgdata.join("PG_VERSION").exists() {
            return Err(LauncherError::InvalidPath {
                path: pg.pgdata.clone(),
                reason: "it holds a cluster already: restore into a new directory".into(),
            });
        }
        let mut copy = pg.runner.command(Path::new("cp"));
        copy.arg("-a").arg(base.join(".")).arg(&pg.pgdata);
        let mut signal = pg.runner.command(Path::new("touch"));
        signal.arg(pg.pgdata.join("recovery.signal"));
        for cmd in [&mut copy, &mut signal] {
            let (desc, out) = run(cmd)?;
            if !out.status.success() {
                return Err(command_failed(desc, &out));
            }
        }
        let restore = format!("cp {}/%f %p", path_str(archive)?);
        pg.start_options = format!(
            " -c restore_command={} -c recovery_target_time={} -c recovery_target_action=promote",
            shell_quote(&restore),
            shell_quote(until)
        );
        pg.pg_ctl_start(false)?;
        pg.started_by_us = true;
        Ok(pg)
    }

    /// The server's log, for a restore that stopped short.
    pub fn log_file(&self) -> PathBuf {
        self.cluster_dir.join("postgres.log")
    }
}
