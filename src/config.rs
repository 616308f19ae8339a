//! Settings, from flags and the environment (flags win), with defaults that
//! make `odb demo` work on a fresh machine.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Clone, clap::Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "ODB_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// PostgreSQL to use; without it, odb runs its own private cluster in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Where the private PostgreSQL cluster (and later key files) live.
    #[arg(long, env = "ODB_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,
    /// A streaming replica of DATABASE_URL's cluster (same database, same
    /// owner) for searches, lists and statistics; unset: the primary
    /// answers every read (docs/operations/replication.md).
    #[arg(long, env = "ODB_READ_DATABASE_URL", hide_env_values = true)]
    pub read_database_url: Option<String>,
    /// How far the read replica may lag behind the primary, in
    /// milliseconds, before its reads go to the primary.
    #[arg(long, env = "ODB_READ_MAX_LAG_MS", default_value_t = 1000)]
    pub read_max_lag_ms: u64,
    /// Database connections kept in the pool.
    #[arg(long, env = "ODB_DB_POOL_SIZE", default_value_t = 16)]
    pub pool_size: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "ODB_WORKERS")]
    pub workers: Option<usize>,
    /// Key that signs audit checkpoints; the database never holds it
    /// (default: <data dir>/audit.key, created on first use).
    #[arg(long, env = "ODB_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
    /// Where signed audit checkpoints are appended (default: <data dir>/audit-checkpoints.jsonl).
    #[arg(long, env = "ODB_AUDIT_CHECKPOINT_FILE")]
    pub audit_checkpoint_file: Option<PathBuf>,
    /// File holding the master key (base64) when ODB_MASTER_KEY is not set;
    /// `odb demo` creates <data dir>/master.key when neither is given.
    #[arg(long, env = "ODB_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// During a master-key rotation: a file holding the key being replaced,
    /// when ODB_MASTER_KEY_PREVIOUS is not set. The keyring opens with
    /// whichever of the two the database accepts.
    #[arg(long, env = "ODB_MASTER_KEY_PREVIOUS_FILE")]
    pub master_key_previous_file: Option<PathBuf>,
    /// Reverse proxies whose X-Forwarded-For is believed (addresses or
    /// networks, comma-separated); without it the peer's address is the client's.
    #[arg(long, env = "ODB_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: crate::http::client_address::TrustedProxies,
    /// Seconds between audit checkpoints while serving.
    #[arg(long, env = "ODB_AUDIT_CHECKPOINT_SECONDS", default_value_t = 60)]
    pub audit_checkpoint_seconds: u64,
    /// Where the private cluster archives its WAL and `odb backup` puts
    /// base backups (best on another disk or machine); unset: no archiving.
    #[arg(long, env = "ODB_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
}

/// The database URL without its password: settings end up in logs.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field(
                "database_url",
                &self.database_url.as_deref().map(without_password),
            )
            .field(
                "read_database_url",
                &self.read_database_url.as_deref().map(without_password),
            )
            .field("read_max_lag_ms", &self.read_max_lag_ms)
            .field("data_dir", &self.data_dir)
            .field("pool_size", &self.pool_size)
            .field("workers", &self.workers)
            .field("audit_key_file", &self.audit_key_file)
            .field("audit_checkpoint_file", &self.audit_checkpoint_file)
            .field("master_key_file", &self.master_key_file)
            .field("master_key_previous_file", &self.master_key_previous_file)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("audit_checkpoint_seconds", &self.audit_checkpoint_seconds)
            .field("backup_dir", &self.backup_dir)
            .finish()
    }
}

/// A PostgreSQL connection string with its password replaced by `***`, in
/// either form libpq takes: `postgresql://user:secret@host/db?password=…`
/// or `host=… password=secret`.
pub fn without_password(url: &str) -> String {
    let hidden = match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _)) => format!("{user}:***@{host}"),
                    None => authority.to_owned(),
                },
                None => authority.to_owned(),
            };
            format!("{scheme}://{authority}{tail}")
        }
        None => url.to_owned(),
    };
    hide_password_parameter(&hidden)
}

/// `password=…` as a keyword or a query parameter, up to the next separator.
fn hide_password_parameter(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.to_ascii_lowercase().find("password=") {
        let value_start = at + "password=".len();
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let value = &rest[value_start..];
        let value_end = value.find(['&', ' ']).unwrap_or(value.len());
        rest = &value[value_end..];
    }
    out.push_str(rest);
    out
}

impl Settings {
    pub fn audit_key_file(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit.key"))
    }

    pub fn audit_checkpoint_file(&self) -> PathBuf {
        self.audit_checkpoint_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-checkpoints.jsonl"))
    }
}

/// Logging: `ODB_LOG` takes a tracing filter (default `info`), `ODB_LOG_FORMAT`
/// is `text` or `json`. Colours only on a terminal: escape codes in a log
/// file or journal are noise.
pub fn init_tracing() {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ODB_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let json = std::env::var("ODB_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let result = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests) keeps the first subscriber.
    drop(result);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_lose_their_password() {
        assert_eq!(
            without_password("postgresql://odb:s3cr%40t@db.example:5432/odb?sslmode=require"),
            "postgresql://odb:***@db.example:5432/odb?sslmode=require"
        );
        assert_eq!(
            without_password("postgres://odb@/odb?host=/run&password=hunter2&port=5432"),
            "postgres://odb@/odb?host=/run&password=***&port=5432"
        );
        assert_eq!(
            without_password("host=db user=odb password=hunter2 dbname=odb"),
            "host=db user=odb password=*** dbname=odb"
        );
        assert_eq!(
            without_password("postgresql://odb@localhost/odb"),
            "postgresql://odb@localhost/odb"
        );
    }

    #[test]
    fn settings_print_no_password() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            settings: Settings,
        }
        let cli = Cli::parse_from(["odb", "--database-url", "postgresql://odb:hunter2@db/odb"]);
        let printed = format!("{:?}", cli.settings);
        assert!(printed.contains("postgresql://odb:***@db/odb"), "{printed}");
        assert!(!printed.contains("hunter2"), "{printed}");
    }
}
