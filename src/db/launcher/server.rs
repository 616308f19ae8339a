//! Driving the server: initdb on first start, `pg_ctl start`, and adopting a
//! server that another process already started for the same data directory.

use std::fs;
use std::io;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::command::{command_failed, format_output, run};
use super::placement::{empty_dir, path_str};
use super::{LauncherError, LocalPostgres, PG_CTL_TIMEOUT_SECS, SUPERUSER};

/// Lines of postgres.log included in start-up errors.
const LOG_TAIL_LINES: usize = 20;

impl LocalPostgres {
    /// `pg_ctl status`: exit code 0 means a server is running for pgdata.
    pub(super) fn is_running(&self) -> Result<bool, LauncherError> {
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
    pub(super) fn adopt_running(&mut self) -> Result<bool, LauncherError> {
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
            let pid = PostmasterPid::parse(&text, self.port, &self.socket_dir);
            let socket = pid.socket();
            if pid.accepts_connections() && UnixStream::connect(&socket).is_ok() {
                self.port = pid.port;
                self.socket_dir = pid.socket_dir;
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

    pub(super) fn initdb(&self) -> Result<(), LauncherError> {
        tracing::info!(pgdata = %self.pgdata.display(), "initialising PostgreSQL cluster");
        // C.UTF-8 gives code-point collation (like C) but UTF-8 aware
        // character classes, so lower()/upper()/ILIKE work on Vietnamese.
        match self.initdb_with(&["--locale=C.UTF-8"]) {
            Ok(()) => Ok(()),
            Err(err) => {
                tracing::warn!(error = %err, "initdb with locale C.UTF-8 failed; retrying with --no-locale");
                // initdb removes what it created, but make sure the
                // (pre-existing, hence kept) data directory is empty.
                empty_dir(&self.pgdata)?;
                self.initdb_with(&["--no-locale"])
            }
        }
    }

    fn initdb_with(&self, locale_args: &[&str]) -> Result<(), LauncherError> {
        // Trust authentication is safe here: the server listens only on a
        // unix socket inside a mode-0700 directory, so only the directory's
        // owner (the account running PostgreSQL) and root can connect at all.
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
    }

    pub(super) fn pg_ctl_start(&self, ephemeral: bool) -> Result<(), LauncherError> {
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
            .arg(self.server_options(ephemeral)?);
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

    /// The postgres command-line settings, for `pg_ctl -o`.
    fn server_options(&self, ephemeral: bool) -> Result<String, LauncherError> {
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
        if let Some(archive) = &self.archive {
            // a finished segment is copied once, never over an earlier copy;
            // a quiet server still switches segments every minute
            let dir = path_str(archive)?;
            let command = format!("test ! -f {dir}/%f && cp %p {dir}/%f");
            opts.push_str(" -c archive_mode=on -c archive_timeout=60 -c archive_command=");
            opts.push_str(&shell_quote(&command));
        }
        opts.push_str(&self.start_options);
        Ok(opts)
    }
}

/// What a running server wrote into postmaster.pid.
struct PostmasterPid {
    status: String,
    port: u16,
    socket_dir: PathBuf,
}

impl PostmasterPid {
    /// Missing values fall back to the port and socket directory we would use.
    fn parse(text: &str, default_port: u16, default_socket_dir: &Path) -> PostmasterPid {
        let lines: Vec<&str> = text.lines().collect();
        // Lines: pid, datadir, start time, port, socket dirs, listen
        // addresses, shmem key, status.
        let status = lines.get(7).map(|s| s.trim()).unwrap_or("");
        let port = lines
            .get(3)
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(default_port);
        // Only the first of possibly several comma-separated directories.
        let socket_dir = lines
            .get(4)
            .and_then(|s| s.split(',').next())
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| default_socket_dir.to_path_buf());
        PostmasterPid {
            status: status.to_owned(),
            port,
            socket_dir,
        }
    }

    fn accepts_connections(&self) -> bool {
        self.status == "ready" || self.status == "standby"
    }

    fn socket(&self) -> PathBuf {
        self.socket_dir.join(format!(".s.PGSQL.{}", self.port))
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
pub(super) fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postmaster_pid_names_the_first_socket_directory() {
        let text = "4242\n/data/pgdata\n1700000000\n5433\n/run/a,/run/b\n\n  1234567\nready   \n";
        let pid = PostmasterPid::parse(text, 5432, Path::new("/fallback"));
        assert!(pid.accepts_connections());
        assert_eq!(pid.socket(), Path::new("/run/a/.s.PGSQL.5433"));

        let starting = PostmasterPid::parse("4242\n/data/pgdata\n", 5432, Path::new("/fallback"));
        assert!(!starting.accepts_connections());
        assert_eq!(starting.socket(), Path::new("/fallback/.s.PGSQL.5432"));
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
