//! A throwaway PostgreSQL server that one test owns and may stop, crash and start again,
//! keeping its data directory, for "PostgreSQL restarted under load" (issue 12).
//!
//! Why not restart the shared test server (`database`): every test in this binary runs
//! on it at the same time, each in its own database, so stopping it would fail whatever
//! else is running. A test that needs the database to go away gets its own server
//! instead: same launcher (`taskshed::embedded_pg`, the path `taskshed` itself uses with
//! no `DATABASE_URL`), its own temporary data directory and Unix socket, and nothing else
//! connected to it. The socket directory derives from the data directory, so the URL
//! stays valid across restarts and TaskShed instances reconnect to the same address.
//!
//! Start-up costs one `initdb` (about a second), so use it only where a restart is the
//! point of the test.

use std::path::PathBuf;
use taskshed::harness::{EmbeddedOptions, EmbeddedPostgres};

/// A PostgreSQL server for one test. Dropping it stops the server (blocking briefly) and
/// removes its data directory.
pub struct ThrowawayPostgres {
    directory: PathBuf,
    /// `None` while stopped.
    server: Option<EmbeddedPostgres>,
    /// Database `taskshed` on it, over the Unix socket; the same before and after restarts.
    database_url: String,
}

impl ThrowawayPostgres {
    /// Initialises a cluster in a new temporary directory and starts it.
    pub async fn start() -> ThrowawayPostgres {
        let directory = std::env::temp_dir().join(format!(
            "taskshed-pg-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        ));
        let server = launch(&directory).await;
        let database_url = server.database_url();
        ThrowawayPostgres {
            directory,
            server: Some(server),
            database_url,
        }
    }

    /// Database `taskshed` on this server (valid across restarts).
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// Stops the server the orderly way (fast shutdown: sessions are disconnected, a
    /// checkpoint is written). No-op if stopped.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("stop the throwaway PostgreSQL");
        }
    }

    /// Kills the server and all its backends with SIGKILL, as a crash would: no checkpoint,
    /// crash recovery on the next start, and (with `synchronous_commit` off) commits whose
    /// WAL was not yet written are lost. No-op if stopped.
    pub async fn crash(&mut self) {
        let Some(server) = self.server.take() else {
            return;
        };
        let pid = server.postmaster_pid().expect("a running postmaster") as libc::pid_t;
        // The postmaster leads its own process group, which its backends share.
        // SAFETY: kill(2) with a valid signal on a process group we started.
        let rc = unsafe { libc::kill(-pid, libc::SIGKILL) };
        assert_eq!(rc, 0, "SIGKILL the PostgreSQL process group");
        // The server has exited, so this only waits for the supervisor to notice.
        server.stop().await.expect("reap the killed PostgreSQL");
    }

    /// Starts the server again on the same data directory and socket. Panics if running.
    pub async fn start_again(&mut self) {
        assert!(self.server.is_none(), "the throwaway PostgreSQL is running");
        self.server = Some(launch(&self.directory).await);
    }

    /// [`stop`](Self::stop), then [`start_again`](Self::start_again).
    #[allow(dead_code)]
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start_again().await;
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        // Dropping the handle stops the server (fast shutdown) before its files go.
        drop(self.server.take());
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

async fn launch(directory: &std::path::Path) -> EmbeddedPostgres {
    EmbeddedPostgres::start(EmbeddedOptions {
        data_dir: directory.to_owned(),
        // Like the shared test server: no fsync, so start-up and load stay cheap.
        durable: false,
        // A handful of instances at most; keep the memory of a second server small.
        extra_settings: vec![
            ("max_connections".into(), "100".into()),
            ("shared_buffers".into(), "16MB".into()),
        ],
    })
    .await
    .expect("start the throwaway PostgreSQL")
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, PgConnection};
    use std::time::Duration;

    async fn rows(url: &str) -> i64 {
        let mut connection = PgConnection::connect(url).await.expect("connect");
        sqlx::query_scalar("select count(*) from survivors")
            .fetch_one(&mut connection)
            .await
            .expect("count")
    }

    #[tokio::test]
    async fn throwaway_postgres_keeps_its_data_across_stop_crash_and_start() {
        let mut postgres = ThrowawayPostgres::start().await;
        let url = postgres.database_url().to_owned();
        let mut connection = PgConnection::connect(&url).await.expect("connect");
        sqlx::raw_sql("create table survivors (n int); insert into survivors values (1)")
            .execute(&mut connection)
            .await
            .unwrap();

        postgres.stop().await;
        assert!(!postgres.is_running());
        assert!(
            sqlx::query("select 1")
                .execute(&mut connection)
                .await
                .is_err(),
            "a session does not survive a stop"
        );
        let refused = tokio::time::timeout(Duration::from_secs(2), PgConnection::connect(&url))
            .await
            .expect("connecting to a stopped server fails at once");
        assert!(refused.is_err());

        postgres.start_again().await;
        assert_eq!(rows(&url).await, 1, "the data directory was kept");

        postgres.crash().await;
        assert!(PgConnection::connect(&url).await.is_err());
        postgres.start_again().await;
        assert_eq!(
            rows(&url).await,
            1,
            "crash recovery keeps checkpointed rows"
        );
    }
}
