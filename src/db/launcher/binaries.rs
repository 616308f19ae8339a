//! Finding the PostgreSQL server programs: on PATH, else the newest Debian
//! installation under /usr/lib/postgresql.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::LauncherError;

/// Directory holding pg_ctl, initdb and postgres.
#[derive(Debug, Clone)]
pub(super) struct Binaries {
    pub(super) dir: PathBuf,
    pub(super) pg_ctl: PathBuf,
    pub(super) initdb: PathBuf,
    pub(super) postgres: PathBuf,
}

impl Binaries {
    const NAMES: [&'static str; 3] = ["pg_ctl", "initdb", "postgres"];

    pub(super) fn find() -> Result<Binaries, LauncherError> {
        Binaries::on_path()
            .or_else(Binaries::newest_debian_install)
            .ok_or(LauncherError::BinariesNotFound)
    }

    /// Another PostgreSQL program (`pg_basebackup`): beside pg_ctl, or beside
    /// the file pg_ctl links to (PATH may hold links to only a few of them).
    pub(super) fn program(&self, name: &str) -> PathBuf {
        let beside = self.dir.join(name);
        if is_executable(&beside) {
            return beside;
        }
        fs::canonicalize(&self.pg_ctl)
            .ok()
            .and_then(|real| real.parent().map(|dir| dir.join(name)))
            .filter(|path| is_executable(path))
            .unwrap_or(beside)
    }

    fn on_path() -> Option<Binaries> {
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path).find_map(|dir| Binaries::in_dir(&dir))
    }

    /// Debian installs each major version in /usr/lib/postgresql/<version>/bin.
    fn newest_debian_install() -> Option<Binaries> {
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

pub(super) fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// "15" -> [15], "9.6" -> [9, 6]; anything else -> None.
fn parse_version(name: &OsStr) -> Option<Vec<u64>> {
    let name = name.to_str()?;
    name.split('.').map(|p| p.parse::<u64>().ok()).collect()
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
}
