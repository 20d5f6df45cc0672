//! The OS user the embedded server runs as: the current user, or the `postgres` user (looked
//! up with getpwnam) when TaskShed runs as root, since PostgreSQL refuses to run as root. It
//! applies the uid switch to commands, hands files to that user (chown), and judges whether
//! the user may traverse a directory.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command as StdCommand;

use anyhow::{anyhow, Context};

use super::SERVER_USER_WHEN_ROOT;

/// The OS user the server processes run as.
#[derive(Debug, Clone)]
pub(super) struct ServerUser {
    /// `Some` only when we must switch users (TaskShed runs as root).
    pub(super) switch_to: Option<(libc::uid_t, libc::gid_t)>,
    pub(super) uid: libc::uid_t,
    pub(super) gid: libc::gid_t,
}

impl ServerUser {
    pub(super) fn current_or_postgres() -> anyhow::Result<ServerUser> {
        // SAFETY: geteuid/getegid cannot fail and have no preconditions.
        let (euid, egid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if euid != 0 {
            return Ok(ServerUser {
                switch_to: None,
                uid: euid,
                gid: egid,
            });
        }
        let (uid, gid) = lookup_user(SERVER_USER_WHEN_ROOT)?.ok_or_else(|| {
            anyhow!(
                "TaskShed is running as root, and PostgreSQL refuses to run as root, so the \
                 embedded server runs as the `{SERVER_USER_WHEN_ROOT}` OS user; but no such \
                 user exists. Create it (e.g. `useradd --system --home-dir /var/lib/postgresql \
                 {SERVER_USER_WHEN_ROOT}`), run TaskShed as a non-root user, or set DATABASE_URL \
                 to an existing server."
            )
        })?;
        Ok(ServerUser {
            switch_to: Some((uid, gid)),
            uid,
            gid,
        })
    }

    /// Applies the user switch to a command (std runs setgid/setgroups/setuid in the child).
    pub(super) fn apply(&self, cmd: &mut StdCommand) {
        if let Some((uid, gid)) = self.switch_to {
            cmd.uid(uid).gid(gid);
        }
    }

    /// Gives `path` to the server user; a no-op when we do not switch users.
    pub(super) fn chown(&self, path: &Path) -> anyhow::Result<()> {
        if self.switch_to.is_some() {
            std::os::unix::fs::lchown(path, Some(self.uid), Some(self.gid))
                .with_context(|| format!("chown {} to the server user", path.display()))?;
        }
        Ok(())
    }

    /// Whether the server user may traverse (search) `dir`, judged from its mode bits.
    /// std drops supplementary groups when it switches uid, so only the primary gid counts.
    /// (ACLs are not considered; they are rare on the directories in question.)
    pub(super) fn can_traverse(&self, meta: &fs::Metadata) -> bool {
        let mode = meta.mode();
        if meta.uid() == self.uid {
            mode & 0o100 != 0
        } else if meta.gid() == self.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    }
}

fn lookup_user(name: &str) -> anyhow::Result<Option<(libc::uid_t, libc::gid_t)>> {
    let cname = CString::new(name).context("user name contains NUL")?;
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: passwd is plain data; getpwnam_r only writes into `pwd` and `buf` (whose length
    // we pass) and sets `result` to null or to `&pwd`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc)).context(format!("looking up user `{name}`"));
    }
    if result.is_null() {
        return Ok(None);
    }
    Ok(Some((pwd.pw_uid, pwd.pw_gid)))
}
