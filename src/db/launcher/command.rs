//! Running the PostgreSQL programs and reporting their failures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::binaries::is_executable;
use super::{LauncherError, SYSTEM_ACCOUNT};

/// Runs PostgreSQL programs, via `runuser -u postgres` when we are root.
#[derive(Debug, Clone)]
pub(super) struct Runner {
    pub(super) as_postgres: bool,
    /// A directory the postgres account can enter (the cluster directory),
    /// so that programs do not start in e.g. an unreadable /root.
    pub(super) cwd: PathBuf,
}

impl Runner {
    pub(super) fn command(&self, program: &Path) -> Command {
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
pub(super) fn run(cmd: &mut Command) -> Result<(String, Output), LauncherError> {
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

pub(super) fn command_failed(command: String, out: &Output) -> LauncherError {
    LauncherError::CommandFailed {
        command,
        status: out.status.to_string(),
        output: format_output(out),
    }
}

/// Stdout and stderr of a failed command, prefixed with ":\n" when non-empty.
pub(super) fn format_output(out: &Output) -> String {
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
