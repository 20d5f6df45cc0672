//! A PostgreSQL server for the whole test run, and a fresh database per test.
//!
//! With `DATABASE_URL` set, tests create their databases on that server. Otherwise the
//! first test starts a throwaway server with TaskShed's own embedded launcher (the code
//! path `taskshed` uses with no configuration), in a temporary directory that is removed
//! when the test process exits.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};
use taskshed::harness::{EmbeddedOptions, EmbeddedPostgres};

struct Server {
    admin_url: String,
}

static SERVER: OnceLock<Server> = OnceLock::new();
/// The embedded server, taken and stopped by the exit hook.
static EMBEDDED: Mutex<Option<(EmbeddedPostgres, tempdir::TempDir)>> = Mutex::new(None);

mod tempdir {
    /// A directory removed on drop.
    pub struct TempDir(pub std::path::PathBuf);
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

extern "C" fn stop_embedded_at_exit() {
    let taken = EMBEDDED.lock().ok().and_then(|mut e| e.take());
    // Dropping stops the server (fast shutdown), then removes its directory.
    drop(taken);
}

fn server() -> &'static Server {
    SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            return Server { admin_url: url };
        }
        // Start on a separate thread with its own runtime: we may be called from inside a
        // test's runtime, where blocking on another future is not allowed.
        std::thread::spawn(|| {
            let dir = std::env::temp_dir().join(format!("taskshed-test-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create test data dir");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let embedded = runtime
                .block_on(EmbeddedPostgres::start(EmbeddedOptions {
                    data_dir: dir.join("data"),
                    durable: false,
                    extra_settings: vec![("max_connections".into(), "500".into())],
                }))
                .expect("start the embedded PostgreSQL for tests");
            let admin_url = embedded.database_url();
            *EMBEDDED.lock().unwrap() = Some((embedded, tempdir::TempDir(dir)));
            // SAFETY: registering a plain extern "C" function with no captured state.
            unsafe {
                libc::atexit(stop_embedded_at_exit);
            }
            Server { admin_url }
        })
        .join()
        .expect("embedded PostgreSQL start-up thread")
    })
}

/// Creates an empty database for one test and returns its URL.
pub async fn fresh_database() -> String {
    let admin = PgConnectOptions::from_str(&server().admin_url).expect("admin URL");
    let name = format!("test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = admin.connect().await.expect("connect to the test server");
    sqlx::query(&format!("create database \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    url_with_database(&server().admin_url, &name)
}

/// Replaces the database name in a PostgreSQL URL (keeping host, user and query).
fn url_with_database(url: &str, database: &str) -> String {
    let (before_query, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = before_query.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = before_query[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(before_query.len());
    let mut out = format!("{}/{database}", &before_query[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}
