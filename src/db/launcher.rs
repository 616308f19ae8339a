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
//! cluster directory is owned by that account. If that account cannot
//! traverse to the requested data directory (e.g. it is under /root), the
//! cluster is placed in `/tmp/odb-pg-<first 12 hex of sha256(canonical path)>`
//! instead, and that location is logged.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

/// Fixed port: only the unix socket is used, but its file name
/// (`.s.PGSQL.<port>`) contains the port, so keep it stable for stable URLs.
const PORT: u16 = 5432;
/// Cluster superuser created by initdb.
const SUPERUSER: &str = "postgres";
/// System account used to run PostgreSQL when we are root.
const SYSTEM_ACCOUNT: &str = "postgres";
/// Seconds `pg_ctl` waits for start-up / shutdown.
const PG_CTL_TIMEOUT_SECS: u64 = 60;
/// How long to wait for another process holding the launcher lock.
const LOCK_TIMEOUT: Duration = Duration::from_secs(120);
/// Lines of postgres.log included in start-up errors.
const LOG_TAIL_LINES: usize = 20;
/// `sun_path` is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH: usize = 107;

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
    fn io(context: impl Into<String>, error: io::Error) -> Self {
        LauncherError::Io {
            context: context.into(),
            error,
        }
    }
}

/// Options for [`LocalPostgres::start`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// Directory requested by the operator (ODB_DATA_DIR, default ./var).
    pub data_dir: PathBuf,
    /// Test clusters trade durability for speed (fsync=off, synchronous_commit=off, full_page_writes=off).
    pub ephemeral: bool,
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
}

impl LocalPostgres {
    /// Finds binaries, initdb on first start, starts postgres if not already running for that dir, waits until it accepts connections.
    pub fn start(opts: &ClusterOptions) -> Result<LocalPostgres, LauncherError> {
        let bins = Binaries::find()?;
        let account = if is_root()? {
            Some(postgres_account()?)
        } else {
            None
        };

        let cluster_dir = choose_cluster_dir(&opts.data_dir, account.as_ref())?;
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
        let mut pg = LocalPostgres {
            cluster_dir,
            pgdata,
            socket_dir,
            port: PORT,
            bins,
            runner,
            started_by_us: false,
        };

        // Serialise concurrent launchers (e.g. parallel test processes) so
        // that only one of them runs initdb / pg_ctl start.
        let _lock = LockFile::acquire(&pg.cluster_dir.join("launcher.lock"))?;

        if pg.is_running()? && pg.adopt_running()? {
            return Ok(pg);
        }
        if !pg.pgdata.join("PG_VERSION").exists() {
            pg.initdb()?;
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

    /// `pg_ctl status`: exit code 0 means a server is running for pgdata.
    fn is_running(&self) -> Result<bool, LauncherError> {
        let mut cmd = self.runner.command(&self.bins.pg_ctl);
        cmd.arg("status").arg("-D").arg(&self.pgdata);
        let (_, out) = run(&mut cmd)?;
        Ok(out.status.success())
    }

    /// Reuse a server somebody else started: wait until it accepts
    /// connections on the socket named in postmaster.pid, and take that
    /// socket directory and port. Returns `Ok(false)` if the server turns out
    /// not to be running after all (e.g. a killed postmaster that was still a
    /// zombie when `pg_ctl status` looked), in which case it must be started.
    fn adopt_running(&mut self) -> Result<bool, LauncherError> {
        let pid_file = self.pgdata.join("postmaster.pid");
        let start = Instant::now();
        let wait = Duration::from_secs(PG_CTL_TIMEOUT_SECS);
        loop {
            let text = match fs::read_to_string(&pid_file) {
                Ok(text) => text,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
                Err(e) => {
                    return Err(LauncherError::io(
                        format!("reading {}", pid_file.display()),
                        e,
                    ))
                }
            };
            let lines: Vec<&str> = text.lines().collect();
            // Lines: pid, datadir, start time, port, socket dirs, listen
            // addresses, shmem key, status.
            let status = lines.get(7).map(|s| s.trim()).unwrap_or("");
            let port = lines
                .get(3)
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(self.port);
            // Only the first of possibly several comma-separated directories.
            let socket_dir = lines
                .get(4)
                .and_then(|s| s.split(',').next())
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| self.socket_dir.clone());
            let socket = socket_dir.join(format!(".s.PGSQL.{port}"));
            if (status == "ready" || status == "standby") && UnixStream::connect(&socket).is_ok() {
                self.port = port;
                self.socket_dir = socket_dir;
                tracing::info!(
                    cluster = %self.cluster_dir.display(),
                    "reusing already running local PostgreSQL (it will not be stopped by us)"
                );
                return Ok(true);
            }
            if !self.is_running()? {
                return Ok(false);
            }
            if start.elapsed() > wait {
                return Err(LauncherError::Timeout {
                    what: format!(
                        "the running PostgreSQL in {} to accept connections on {}",
                        self.pgdata.display(),
                        socket.display()
                    ),
                    waited: wait,
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn initdb(&self) -> Result<(), LauncherError> {
        // Trust authentication is safe here: the server listens only on a
        // unix socket inside a mode-0700 directory, so only the directory's
        // owner (the account running PostgreSQL) and root can connect at all.
        //
        // C.UTF-8 gives code-point collation (like C) but UTF-8 aware
        // character classes, so lower()/upper()/ILIKE work on Vietnamese.
        let attempt = |locale_args: &[&str]| -> Result<(), LauncherError> {
            let mut cmd = self.runner.command(&self.bins.initdb);
            cmd.arg("-D")
                .arg(&self.pgdata)
                .args(["-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"])
                .args(locale_args);
            let (desc, out) = run(&mut cmd)?;
            if out.status.success() {
                Ok(())
            } else {
                Err(command_failed(desc, &out))
            }
        };
        tracing::info!(pgdata = %self.pgdata.display(), "initialising PostgreSQL cluster");
        match attempt(&["--locale=C.UTF-8"]) {
            Ok(()) => Ok(()),
            Err(err) => {
                tracing::warn!(error = %err, "initdb with locale C.UTF-8 failed; retrying with --no-locale");
                // initdb removes what it created, but make sure the
                // (pre-existing, hence kept) data directory is empty.
                empty_dir(&self.pgdata)?;
                attempt(&["--no-locale"])
            }
        }
    }

    fn pg_ctl_start(&self, ephemeral: bool) -> Result<(), LauncherError> {
        let socket = path_str(&self.socket_dir)?;
        // pg_ctl hands -o to /bin/sh, hence the shell quoting.
        let mut opts = format!(
            "-c listen_addresses='' -c unix_socket_directories={} -c port={} -c max_connections=200",
            shell_quote(socket),
            self.port
        );
        if ephemeral {
            opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = self.cluster_dir.join("postgres.log");
        let mut cmd = self.runner.command(&self.bins.pg_ctl);
        cmd.arg("start")
            .arg("-D")
            .arg(&self.pgdata)
            .arg("-w")
            .arg("-t")
            .arg(PG_CTL_TIMEOUT_SECS.to_string())
            .arg("-l")
            .arg(&log)
            .arg("-p")
            .arg(&self.bins.postgres)
            .arg("-o")
            .arg(opts);
        // With -l, pg_ctl redirects the postmaster's stdout/stderr to the log
        // file, so capturing pg_ctl's output does not wait for the server.
        let (desc, out) = run(&mut cmd)?;
        if out.status.success() {
            return Ok(());
        }
        Err(LauncherError::StartFailed {
            command: desc,
            status: out.status.to_string(),
            output: format_output(&out),
            log_tail: log_tail(&log, LOG_TAIL_LINES),
            log,
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

/// Directory holding pg_ctl, initdb and postgres.
#[derive(Debug, Clone)]
struct Binaries {
    dir: PathBuf,
    pg_ctl: PathBuf,
    initdb: PathBuf,
    postgres: PathBuf,
}

impl Binaries {
    const NAMES: [&'static str; 3] = ["pg_ctl", "initdb", "postgres"];

    fn find() -> Result<Binaries, LauncherError> {
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                if let Some(b) = Binaries::in_dir(&dir) {
                    return Ok(b);
                }
            }
        }
        let mut versions: Vec<(Vec<u64>, PathBuf)> = Vec::new();
        if let Ok(entries) = fs::read_dir("/usr/lib/postgresql") {
            for entry in entries.flatten() {
                if let Some(v) = parse_version(&entry.file_name()) {
                    versions.push((v, entry.path().join("bin")));
                }
            }
        }
        versions.sort();
        versions
            .into_iter()
            .rev()
            .find_map(|(_, dir)| Binaries::in_dir(&dir))
            .ok_or(LauncherError::BinariesNotFound)
    }

    fn in_dir(dir: &Path) -> Option<Binaries> {
        if dir.as_os_str().is_empty() {
            return None;
        }
        let all = Binaries::NAMES
            .iter()
            .all(|name| is_executable(&dir.join(name)));
        all.then(|| Binaries {
            dir: dir.to_path_buf(),
            pg_ctl: dir.join("pg_ctl"),
            initdb: dir.join("initdb"),
            postgres: dir.join("postgres"),
        })
    }
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// "15" -> [15], "9.6" -> [9, 6]; anything else -> None.
fn parse_version(name: &OsStr) -> Option<Vec<u64>> {
    let name = name.to_str()?;
    name.split('.').map(|p| p.parse::<u64>().ok()).collect()
}

/// Runs PostgreSQL programs, via `runuser -u postgres` when we are root.
#[derive(Debug, Clone)]
struct Runner {
    as_postgres: bool,
    /// A directory the postgres account can enter (the cluster directory),
    /// so that programs do not start in e.g. an unreadable /root.
    cwd: PathBuf,
}

impl Runner {
    fn command(&self, program: &Path) -> Command {
        let mut cmd = if self.as_postgres {
            let mut c = Command::new(runuser_path());
            c.args(["-u", SYSTEM_ACCOUNT, "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.cwd).stdin(Stdio::null());
        cmd
    }
}

fn runuser_path() -> &'static str {
    ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .into_iter()
        .find(|p| is_executable(Path::new(p)))
        .unwrap_or("runuser")
}

/// Runs `cmd`, capturing its output. Returns a printable description too.
fn run(cmd: &mut Command) -> Result<(String, Output), LauncherError> {
    let desc = describe(cmd);
    tracing::debug!(command = %desc, "running");
    let out = cmd
        .output()
        .map_err(|e| LauncherError::io(format!("running `{desc}`"), e))?;
    Ok((desc, out))
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

fn command_failed(command: String, out: &Output) -> LauncherError {
    LauncherError::CommandFailed {
        command,
        status: out.status.to_string(),
        output: format_output(out),
    }
}

/// Stdout and stderr of a failed command, prefixed with ":\n" when non-empty.
fn format_output(out: &Output) -> String {
    let mut s = String::new();
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        let text = text.trim();
        if !text.is_empty() {
            s.push('\n');
            s.push_str(text);
        }
    }
    if s.is_empty() {
        s
    } else {
        format!(":{s}")
    }
}

fn log_tail(log: &Path, n: usize) -> String {
    match fs::read(log) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("(could not read log: {e})"),
    }
}

/// Single-quote `s` for /bin/sh.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
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

fn path_str(path: &Path) -> Result<&str, LauncherError> {
    path.to_str().ok_or_else(|| LauncherError::InvalidPath {
        path: path.to_path_buf(),
        reason: "not valid UTF-8".into(),
    })
}

/// The socket path must fit in `sun_path`, and the directory must survive
/// both shell quoting and PostgreSQL's comma-separated list parsing.
fn check_socket_dir(socket_dir: &Path) -> Result<(), LauncherError> {
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

/// Effective uid of this process, from /proc/self/status (no libc needed).
fn effective_uid() -> Result<u32, LauncherError> {
    if let Ok(status) = fs::read_to_string("/proc/self/status") {
        if let Some(euid) = status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .and_then(|e| e.parse().ok())
        {
            return Ok(euid);
        }
    }
    let out = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| LauncherError::io("running `id -u`", e))?;
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            LauncherError::io(
                "determining the effective uid",
                io::Error::other("unexpected output from `id -u`"),
            )
        })
}

fn is_root() -> Result<bool, LauncherError> {
    Ok(effective_uid()? == 0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Account {
    uid: u32,
    gid: u32,
}

fn postgres_account() -> Result<Account, LauncherError> {
    if let Ok(passwd) = fs::read_to_string("/etc/passwd") {
        if let Some(acct) = parse_passwd(&passwd, SYSTEM_ACCOUNT) {
            return Ok(acct);
        }
    }
    // Not in /etc/passwd: ask NSS (LDAP, sssd, ...) through `id`.
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id")
            .args([flag, SYSTEM_ACCOUNT])
            .stderr(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (id("-u"), id("-g")) {
        (Some(uid), Some(gid)) => Ok(Account { uid, gid }),
        _ => Err(LauncherError::NoPostgresAccount),
    }
}

fn parse_passwd(passwd: &str, user: &str) -> Option<Account> {
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        if fields.next()? != user {
            return None;
        }
        let _password = fields.next()?;
        let uid = fields.next()?.parse().ok()?;
        let gid = fields.next()?.parse().ok()?;
        Some(Account { uid, gid })
    })
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

/// `<data_dir>/postgres`, or `/tmp/odb-pg-<hash>` when we are root and the
/// postgres account cannot reach `data_dir`.
fn choose_cluster_dir(
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

    let digest = Sha256::digest(data_dir.as_os_str().as_bytes());
    let hash = hex::encode(digest);
    let cluster = PathBuf::from(format!("/tmp/odb-pg-{}", &hash[..12]));

    // /tmp is world-writable: do not follow a planted symlink or adopt a
    // directory belonging to somebody else.
    match fs::symlink_metadata(&cluster) {
        Ok(md) => {
            if !md.is_dir() {
                return Err(LauncherError::UnsafeDirectory {
                    path: cluster,
                    reason: "exists and is not a directory (or is a symlink)".into(),
                });
            }
            if md.uid() != account.uid && md.uid() != 0 {
                return Err(LauncherError::UnsafeDirectory {
                    path: cluster,
                    reason: format!(
                        "owned by uid {}, expected the postgres account or root",
                        md.uid()
                    ),
                });
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(LauncherError::io(
                format!("inspecting {}", cluster.display()),
                e,
            ))
        }
    }

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
    Ok(cluster)
}

/// Creates `dir` if needed, mode 0700, owned by `account` when given.
fn prepare_dir(dir: &Path, account: Option<&Account>) -> Result<(), LauncherError> {
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

fn empty_dir(dir: &Path) -> Result<(), LauncherError> {
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

/// A pid lock file, removed on drop. A lock whose owner process is gone is
/// taken over.
struct LockFile {
    path: PathBuf,
}

impl LockFile {
    fn acquire(path: &Path) -> Result<LockFile, LauncherError> {
        let start = Instant::now();
        let me = std::process::id();
        loop {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
            {
                Ok(mut f) => {
                    f.write_all(format!("{me}\n").as_bytes())
                        .map_err(|e| LauncherError::io(format!("writing {}", path.display()), e))?;
                    return Ok(LockFile {
                        path: path.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    if LockFile::is_stale(path) {
                        tracing::debug!(lock = %path.display(), "removing stale launcher lock");
                        match fs::remove_file(path) {
                            Ok(()) => continue,
                            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                            Err(e) => {
                                return Err(LauncherError::io(
                                    format!("removing stale lock {}", path.display()),
                                    e,
                                ))
                            }
                        }
                    }
                }
                Err(e) => return Err(LauncherError::io(format!("creating {}", path.display()), e)),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        let mut v: Vec<Vec<u64>> = ["9.6", "15", "10", "13"]
            .iter()
            .filter_map(|s| parse_version(OsStr::new(s)))
            .collect();
        v.sort();
        assert_eq!(v.last(), Some(&vec![15]));
        assert_eq!(parse_version(OsStr::new("15beta")), None);
    }

    #[test]
    fn passwd_parsing() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\n\
                      postgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\n";
        assert_eq!(
            parse_passwd(passwd, "postgres"),
            Some(Account { uid: 101, gid: 104 })
        );
        assert_eq!(parse_passwd(passwd, "nobody"), None);
    }

    #[test]
    fn encoding_and_quoting() {
        assert_eq!(percent_encode(b"/tmp/a b&c=d", true), "/tmp/a%20b%26c%3Dd");
        assert_eq!(percent_encode(b"odb/x", false), "odb%2Fx");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
