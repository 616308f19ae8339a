//! What can go wrong while finding, preparing, starting or stopping the cluster.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LauncherError {
    #[error(
        "PostgreSQL server binaries (pg_ctl, initdb, postgres) not found on PATH nor under \
         /usr/lib/postgresql/*/bin: install Debian's `postgresql` package \
         (apt-get install postgresql) or put pg_ctl/initdb/postgres on PATH"
    )]
    BinariesNotFound,

    #[error(
        "running as root, but there is no `postgres` system account: initdb/postgres refuse \
         to run as root, so the local cluster is run as `postgres`. Create the account \
         (e.g. `adduser --system --group --home /var/lib/postgresql postgres`; Debian's \
         `postgresql` package does this) or run odb as a non-root user"
    )]
    NoPostgresAccount,

    #[error("{context}: {error}")]
    Io { context: String, error: io::Error },

    #[error("`{command}` failed ({status}){output}")]
    CommandFailed {
        command: String,
        status: String,
        output: String,
    },

    #[error(
        "PostgreSQL failed to start: `{command}` failed ({status}){output}\n\
         last lines of {}:\n{log_tail}", log.display()
    )]
    StartFailed {
        command: String,
        status: String,
        output: String,
        log: PathBuf,
        log_tail: String,
    },

    #[error("refusing to use cluster directory {}: {reason}", path.display())]
    UnsafeDirectory { path: PathBuf, reason: String },

    #[error("cluster path {} is not usable: {reason}", path.display())]
    InvalidPath { path: PathBuf, reason: String },

    #[error("timed out after {}s waiting for {what}", waited.as_secs())]
    Timeout { what: String, waited: Duration },
}

impl LauncherError {
    pub(super) fn io(context: impl Into<String>, error: io::Error) -> Self {
        LauncherError::Io {
            context: context.into(),
            error,
        }
    }
}
