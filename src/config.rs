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
}

/// Logging: `ODB_LOG` takes a tracing filter (default `info`), `ODB_LOG_FORMAT`
/// is `text` or `json`.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("ODB_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
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
