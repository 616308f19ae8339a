//! Where the cluster lives and how its directories are made safe to use.
//!
//! Normally `<data_dir>/postgres`. When we are root and the `postgres`
//! account cannot traverse to the data directory (e.g. it is under /root),
//! the cluster is placed in `/tmp/odb-pg-<first 12 hex of sha256(canonical
//! path)>` instead, and that location is logged.

use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Once;

use sha2::{Digest, Sha256};

use super::account::Account;
use super::{LauncherError, PORT};

/// `sun_path` is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

/// `<data_dir>/postgres`, or `/tmp/odb-pg-<hash>` when we are root and the
/// postgres account cannot reach `data_dir`.
pub(super) fn choose_cluster_dir(
    data_dir: &Path,
    account: Option<&Account>,
) -> Result<PathBuf, LauncherError> {
    fs::create_dir_all(data_dir)
        .map_err(|e| LauncherError::io(format!("creating {}", data_dir.display()), e))?;
    let data_dir = fs::canonicalize(data_dir)
        .map_err(|e| LauncherError::io(format!("resolving {}", data_dir.display()), e))?;
    let Some(account) = account else {
        return Ok(data_dir.join("postgres"));
    };
    if reachable_by(&data_dir, *account)? {
        return Ok(data_dir.join("postgres"));
    }
    let cluster = tmp_cluster_dir(&data_dir);
    refuse_foreign_dir(&cluster, account)?;
    announce_tmp_cluster(&data_dir, &cluster);
    Ok(cluster)
}

/// Can `account` traverse every directory from / down to `path` (inclusive)?
/// Checks owner/group/other x bits (supplementary groups and ACLs are
/// ignored, which errs on the side of "unreachable").
fn reachable_by(path: &Path, account: Account) -> Result<bool, LauncherError> {
    for dir in path.ancestors() {
        let md = fs::metadata(dir)
            .map_err(|e| LauncherError::io(format!("inspecting {}", dir.display()), e))?;
        let mode = md.mode();
        let bit = if md.uid() == account.uid {
            0o100
        } else if md.gid() == account.gid {
            0o010
        } else {
            0o001
        };
        if mode & bit == 0 {
            tracing::debug!(dir = %dir.display(), mode = format!("{:o}", mode & 0o7777), "not traversable by postgres");
            return Ok(false);
        }
    }
    Ok(true)
}

/// A stable place per data directory, so that every start finds the same cluster.
fn tmp_cluster_dir(canonical_data_dir: &Path) -> PathBuf {
    let digest = Sha256::digest(canonical_data_dir.as_os_str().as_bytes());
    let hash = hex::encode(digest);
    PathBuf::from(format!("/tmp/odb-pg-{}", &hash[..12]))
}

/// /tmp is world-writable: do not follow a planted symlink or adopt a
/// directory belonging to somebody else.
fn refuse_foreign_dir(cluster: &Path, account: &Account) -> Result<(), LauncherError> {
    let md = match fs::symlink_metadata(cluster) {
        Ok(md) => md,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(LauncherError::io(
                format!("inspecting {}", cluster.display()),
                e,
            ))
        }
    };
    if !md.is_dir() {
        return Err(LauncherError::UnsafeDirectory {
            path: cluster.to_path_buf(),
            reason: "exists and is not a directory (or is a symlink)".into(),
        });
    }
    if md.uid() != account.uid && md.uid() != 0 {
        return Err(LauncherError::UnsafeDirectory {
            path: cluster.to_path_buf(),
            reason: format!(
                "owned by uid {}, expected the postgres account or root",
                md.uid()
            ),
        });
    }
    Ok(())
}

/// Logged every time, printed once per process: the operator looks for the
/// data in the directory they gave.
fn announce_tmp_cluster(data_dir: &Path, cluster: &Path) {
    tracing::info!(
        requested = %data_dir.display(),
        cluster = %cluster.display(),
        "the postgres account cannot reach the data directory; the local PostgreSQL cluster lives elsewhere"
    );
    static ANNOUNCE: Once = Once::new();
    ANNOUNCE.call_once(|| {
        eprintln!(
            "odb: {} is not reachable by the `postgres` account; \
             the local PostgreSQL cluster lives in {}",
            data_dir.display(),
            cluster.display()
        );
    });
}

/// Creates `dir` if needed, mode 0700, owned by `account` when given.
pub(super) fn prepare_dir(dir: &Path, account: Option<&Account>) -> Result<(), LauncherError> {
    match fs::create_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(LauncherError::io(format!("creating {}", dir.display()), e)),
    }
    let md = fs::symlink_metadata(dir)
        .map_err(|e| LauncherError::io(format!("inspecting {}", dir.display()), e))?;
    if !md.is_dir() {
        return Err(LauncherError::UnsafeDirectory {
            path: dir.to_path_buf(),
            reason: "not a directory (or a symlink)".into(),
        });
    }
    if let Some(acct) = account {
        if md.uid() != acct.uid || md.gid() != acct.gid {
            std::os::unix::fs::chown(dir, Some(acct.uid), Some(acct.gid)).map_err(|e| {
                LauncherError::io(
                    format!("changing the owner of {} to postgres", dir.display()),
                    e,
                )
            })?;
        }
    }
    if md.mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| LauncherError::io(format!("setting mode 0700 on {}", dir.display()), e))?;
    }
    Ok(())
}

pub(super) fn empty_dir(dir: &Path) -> Result<(), LauncherError> {
    let ctx = |e| LauncherError::io(format!("emptying {}", dir.display()), e);
    for entry in fs::read_dir(dir).map_err(ctx)? {
        let path = entry.map_err(ctx)?.path();
        let is_dir = fs::symlink_metadata(&path).map_err(ctx)?.is_dir();
        if is_dir {
            fs::remove_dir_all(&path).map_err(ctx)?;
        } else {
            fs::remove_file(&path).map_err(ctx)?;
        }
    }
    Ok(())
}

/// The socket path must fit in `sun_path`, and the directory must survive
/// both shell quoting and PostgreSQL's comma-separated list parsing.
pub(super) fn check_socket_dir(socket_dir: &Path) -> Result<(), LauncherError> {
    let s = path_str(socket_dir)?;
    let socket_file = socket_dir.join(format!(".s.PGSQL.{PORT}"));
    let len = socket_file.as_os_str().len();
    if len > MAX_SOCKET_PATH {
        return Err(LauncherError::InvalidPath {
            path: socket_file,
            reason: format!(
                "unix socket path is {len} bytes, over the {MAX_SOCKET_PATH}-byte limit; \
                 use a shorter data directory"
            ),
        });
    }
    if s.contains([',', '"', '\\', '\n']) {
        return Err(LauncherError::InvalidPath {
            path: socket_dir.to_path_buf(),
            reason: "contains a comma, double quote, backslash or newline".into(),
        });
    }
    Ok(())
}

pub(super) fn path_str(path: &Path) -> Result<&str, LauncherError> {
    path.to_str().ok_or_else(|| LauncherError::InvalidPath {
        path: path.to_path_buf(),
        reason: "not valid UTF-8".into(),
    })
}
