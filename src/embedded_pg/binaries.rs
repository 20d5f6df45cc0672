//! Finding the PostgreSQL server binaries: the bin directory (PATH, `pg_config --bindir`, the
//! usual install locations, picking the highest version), the one-paragraph message a user
//! sees when there are none, and the version the server binary reports.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use anyhow::{anyhow, Context};
use tokio::process::Command;

/// Finds a PostgreSQL bin directory (containing `initdb` and `postgres`).
///
/// Symlinked binaries (e.g. `/usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres`,
/// or Homebrew's `bin` links into its Cellar) resolve to the real bin directory, where the
/// client programs of the same version (`psql`) live too.
pub fn find_postgres_bindir() -> Option<PathBuf> {
    find_linked_bindir().map(|dir| {
        fs::canonicalize(dir.join("postgres"))
            .ok()
            .and_then(|real| real.parent().map(Path::to_path_buf))
            .filter(|real| is_executable(&real.join("initdb")))
            .unwrap_or(dir)
    })
}

fn find_linked_bindir() -> Option<PathBuf> {
    let has_both =
        |dir: &Path| is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"));

    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_both(d)) {
            return Some(dir);
        }
    }
    // pg_config is often on PATH when the server binaries are not (Debian's client packages).
    if let Ok(out) = StdCommand::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
    {
        if out.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            if has_both(&dir) {
                return Some(dir);
            }
        }
    }
    let candidates = [
        highest_versioned("/usr/lib/postgresql", "", "bin"),
        Some(PathBuf::from("/usr/local/pgsql/bin")),
        highest_versioned("/opt/homebrew/opt", "postgresql@", "bin"),
        highest_versioned("/usr/local/opt", "postgresql@", "bin"),
        Some(PathBuf::from("/opt/homebrew/bin")),
        Some(PathBuf::from("/usr/local/bin")),
    ];
    candidates.into_iter().flatten().find(|d| has_both(d))
}

/// The one paragraph a user sees when no PostgreSQL is installed.
pub(super) fn missing_binaries_message() -> String {
    "TaskShed needs PostgreSQL. No DATABASE_URL was given, so it tried to start a private \
     PostgreSQL server of its own, but found no PostgreSQL server binaries (`initdb` and \
     `postgres`) on PATH, via `pg_config --bindir`, in /usr/lib/postgresql/*/bin, \
     /usr/local/pgsql/bin, or Homebrew's directories. Either install PostgreSQL (for example \
     `apt-get install postgresql` on Debian/Ubuntu, `brew install postgresql@16` on macOS), or \
     point TaskShed at an existing server with DATABASE_URL or --database-url \
     (e.g. postgres://user:password@host:5432/taskshed)."
        .to_string()
}

/// Picks `<root>/<prefix><version>/<suffix>` with the highest version (numeric, so 16 > 9.6).
fn highest_versioned(root: &str, prefix: &str, suffix: &str) -> Option<PathBuf> {
    let entries = fs::read_dir(root).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = parse_version(name.strip_prefix(prefix)?)?;
            Some((version, e.path().join(suffix)))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, path)| path)
}

fn parse_version(s: &str) -> Option<Vec<u64>> {
    s.split('.').map(|p| p.parse().ok()).collect()
}

pub(super) fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// `postgres -V` → "15.4" (the word after "(PostgreSQL)"; Debian appends its own suffix).
pub(super) async fn server_version(bindir: &Path) -> anyhow::Result<String> {
    let out = Command::new(bindir.join("postgres"))
        .arg("-V")
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("running {}/postgres -V", bindir.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .skip_while(|w| *w != "(PostgreSQL)")
        .nth(1)
        .map(str::to_string)
        .filter(|v| out.status.success() && v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .ok_or_else(|| anyhow!("unexpected output from postgres -V: {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("16").unwrap() > parse_version("9.6").unwrap());
        assert!(parse_version("15").unwrap() > parse_version("9.6").unwrap());
        assert_eq!(parse_version("main"), None);
    }

    #[test]
    fn missing_binaries_message_says_what_to_do() {
        let msg = missing_binaries_message();
        assert!(msg.contains("apt-get install postgresql"));
        assert!(msg.contains("brew install postgresql@16"));
        assert!(msg.contains("DATABASE_URL"));
        assert!(msg.contains("--database-url"));
        assert!(!msg.contains('\n'), "one paragraph");
    }
}
