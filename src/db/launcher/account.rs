//! Who we run as: PostgreSQL refuses to run as root, so root runs it as the
//! `postgres` system account.

use std::fs;
use std::io;
use std::process::{Command, Stdio};

use super::{LauncherError, SYSTEM_ACCOUNT};

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

pub(super) fn is_root() -> Result<bool, LauncherError> {
    Ok(effective_uid()? == 0)
}

/// The system account that owns and runs the cluster when we are root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Account {
    pub(super) uid: u32,
    pub(super) gid: u32,
}

pub(super) fn postgres_account() -> Result<Account, LauncherError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
