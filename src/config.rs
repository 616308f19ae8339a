//! Settings, from flags and the environment (flags win), with defaults that
//! make `odb demo` work on a fresh machine.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
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
    /// Reverse proxies whose X-Forwarded-For is believed (addresses or
    /// networks, comma-separated); without it the peer's address is the client's.
    #[arg(long, env = "ODB_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: crate::http::client_address::TrustedProxies,
    /// Seconds between audit checkpoints while serving.
    #[arg(long, env = "ODB_AUDIT_CHECKPOINT_SECONDS", default_value_t = 60)]
    pub audit_checkpoint_seconds: u64,
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
