//! Client-side deadlines for the delivery engine's statements (issue 12, problem 6).
//!
//! `statement_timeout` lets PostgreSQL end a statement that runs too long, but only a
//! server that hears the statement can: across a half-open connection (a silent network
//! partition, a server host that vanished) the statement never arrives, no answer ever
//! comes, and sqlx 0.8 offers no TCP keepalive to notice (its `PgConnectOptions` has no
//! `keepalives` setting, unlike libpq). Without a deadline of our own, the claim loop, the
//! finisher or the lease keeper would wait for minutes, until the kernel gives up on the
//! connection. So each of their statements runs [`within`] a deadline a little longer
//! than `statement_timeout` (`--db-statement-timeout`): past it, the statement counts as
//! failed like any lost connection, the caller's retry goes to a fresh connection (the
//! pool's ping before each acquire drops the silent one), and the engine carries on.

use std::future::Future;
use std::time::Duration;

/// Runs `statement` and fails with a `TimedOut` I/O error (a lost-connection error to
/// every caller, and a 503 to the API) if no answer comes within `limit`.
pub async fn within<T>(
    limit: Duration,
    statement: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, sqlx::Error> {
    match tokio::time::timeout(limit, statement).await {
        Ok(answer) => answer,
        Err(_) => Err(sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer from PostgreSQL within {limit:?}"),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_statement_without_an_answer_fails_at_its_deadline() {
        let silent = std::future::pending::<Result<(), sqlx::Error>>();
        let error = within(Duration::from_millis(20), silent).await.unwrap_err();
        assert!(
            matches!(&error, sqlx::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut),
            "{error}"
        );
        let answered = within(Duration::from_secs(3), async { Ok(7) }).await;
        assert_eq!(answered.unwrap(), 7);
    }
}
