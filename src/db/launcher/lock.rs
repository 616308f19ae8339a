//! The launcher lock: one process at a time runs initdb and `pg_ctl start`
//! for a cluster directory.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::LauncherError;

/// How long to wait for another process holding the launcher lock.
const LOCK_TIMEOUT: Duration = Duration::from_secs(120);

/// A pid lock file, removed on drop. A lock whose owner process is gone is
/// taken over.
pub(super) struct LockFile {
    path: PathBuf,
}

impl LockFile {
    pub(super) fn acquire(path: &Path) -> Result<LockFile, LauncherError> {
        let start = Instant::now();
        loop {
            if let Some(lock) = LockFile::try_create(path)? {
                return Ok(lock);
            }
            if LockFile::remove_if_stale(path)? {
                continue;
            }
            if start.elapsed() > LOCK_TIMEOUT {
                return Err(LauncherError::Timeout {
                    what: format!(
                        "another process to release {} (delete it if no odb process is starting PostgreSQL)",
                        path.display()
                    ),
                    waited: LOCK_TIMEOUT,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The lock with our pid in it, or `None` while somebody else holds it.
    fn try_create(path: &Path) -> Result<Option<LockFile>, LauncherError> {
        let created = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path);
        match created {
            Ok(mut f) => {
                f.write_all(format!("{}\n", std::process::id()).as_bytes())
                    .map_err(|e| LauncherError::io(format!("writing {}", path.display()), e))?;
                Ok(Some(LockFile {
                    path: path.to_path_buf(),
                }))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(None),
            Err(e) => Err(LauncherError::io(format!("creating {}", path.display()), e)),
        }
    }

    /// Removes a lock whose owner is gone; true when it is worth trying again at once.
    fn remove_if_stale(path: &Path) -> Result<bool, LauncherError> {
        if !LockFile::is_stale(path) {
            return Ok(false);
        }
        tracing::debug!(lock = %path.display(), "removing stale launcher lock");
        match fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(LauncherError::io(
                format!("removing stale lock {}", path.display()),
                e,
            )),
        }
    }

    fn is_stale(path: &Path) -> bool {
        let Ok(text) = fs::read_to_string(path) else {
            return false; // vanished or unreadable: just retry
        };
        match text.trim().parse::<u32>() {
            Ok(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
            // Possibly being written right now; stale only if old.
            Err(_) => fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > Duration::from_secs(10)),
        }
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_file(&self.path) {
            tracing::warn!(lock = %self.path.display(), error = %e, "failed to remove launcher lock");
        }
    }
}
