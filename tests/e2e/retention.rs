//! Retention keeps pace (issue 12, problem 7): with a short `--retention`, finished tasks
//! and old attempts disappear — attempts a whole partition at a time — while recent ones
//! are kept, and the number of partitions stays bounded.

use serde_json::json;
use std::time::Duration;

use crate::delivery::{at, start};
use crate::support::server::wait_for_count;

/// Retention for these tests: partitions are an eighth of it, at least 1 s wide.
const RETENTION_SECONDS: i64 = 4;
/// Retention + one partition's width + a housekeeping period or two, with room for a busy
/// machine: by then every row recorded before the start of the wait must be gone.
const GONE_WITHIN: Duration = Duration::from_secs(40);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_attempts_and_finished_tasks_go_and_recent_ones_stay() {
    let retention = format!("PT{RETENTION_SECONDS}S");
    let (database_url, server, receiver) = start(&[("TASKSHED_RETENTION", &retention)]).await;
    let pool = taskshed::harness::connect(&database_url, 2).await.unwrap();
    server
        .api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    // New partitions start a few seconds ahead (START_GAP); until the first one covers
    // the clock, rows go to DEFAULT. Start once attempts land in real partitions.
    let covered = wait_for_count(
        &pool,
        "select count(*) from pg_inherits i join pg_class c on c.oid = i.inhrelid \
         where i.inhparent = 'attempts'::regclass and c.relname like 'attempts_2%' \
           and (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$FROM \\('([^']+)'\\)$$))[1]::timestamptz \
               <= now()",
        1,
        Duration::from_secs(30),
    )
    .await;
    assert!(covered >= 1, "no partition covers now");
    let (_, now) = at(0);
    let old: Vec<_> = (0..200)
        .map(|i| json!({"callback": "hook", "task_id": format!("old-{i}"), "run_at": now}))
        .collect();
    server.api.create_tasks(old, 200).await;
    server
        .api
        .create_task(json!({"callback": "hook", "task_id": "tick", "run_at": now,
                            "run_type": "recurring", "interval": "PT0.2S"}))
        .await;
    let delivered = wait_for_count(
        &pool,
        "select count(*) from attempts where task_id like 'old-%'",
        200,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(delivered, 200, "the first batch was not delivered");
    // The partitions holding them: dropped whole later, not emptied row by row.
    let holders: Vec<String> = sqlx::query_scalar(
        "select distinct tableoid::regclass::text from attempts where task_id like 'old-%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        holders.iter().all(|p| p.starts_with("attempts_2")),
        "recorded outside the time partitions: {holders:?}"
    );
    // The recurring task may have been claimed after the batch: wait for its first attempt.
    let ticked = wait_for_count(
        &pool,
        "select least(count(*), 1) from attempts where task_id = 'tick'",
        1,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(ticked, 1, "the recurring task was never delivered");
    let first_tick: i64 =
        sqlx::query_scalar("select min(attempt_id) from attempts where task_id = 'tick'")
            .fetch_one(&pool)
            .await
            .unwrap();

    // The once tasks (finished) and their attempts go; so do the recurring task's first
    // attempts, while the task itself stays.
    let remaining = wait_for_count(
        &pool,
        "select (select count(*) from attempts where task_id like 'old-%') \
              + (select count(*) from tasks where task_id like 'old-%')",
        0,
        GONE_WITHIN,
    )
    .await;
    assert_eq!(remaining, 0, "finished tasks or their attempts were kept");
    assert_eq!(server.api.get("/v1/tasks/old-0").await.status.as_u16(), 404);
    let first_gone = wait_for_count(
        &pool,
        &format!("select count(*) from attempts where attempt_id = {first_tick}"),
        0,
        GONE_WITHIN,
    )
    .await;
    assert_eq!(first_gone, 0, "the recurring task's first attempt was kept");

    // Recent attempts stay: through the API, the recurring task still has attempts, none
    // older than retention + a partition + housekeeping slack, and the newest is fresh.
    let attempts = server.api.attempts("tick").await;
    assert!(
        attempts.len() >= 5,
        "recent attempts were dropped too: {}",
        attempts.len()
    );
    let started = |a: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(a["started_at"].as_str().unwrap()).unwrap()
    };
    let age = |a: &serde_json::Value| chrono::Utc::now().signed_duration_since(started(a));
    assert!(
        age(&attempts[0]) < chrono::Duration::seconds(5),
        "{:#}",
        attempts[0]
    );
    let oldest = attempts.last().unwrap();
    assert!(
        age(oldest) < chrono::Duration::seconds(RETENTION_SECONDS * 4),
        "an attempt older than the retention allows: {oldest:#}"
    );

    // Partitions stay bounded (the kept history, the ones ahead, DEFAULT), the migration's
    // legacy partition is gone, and nothing fell into DEFAULT.
    let partitions: Vec<String> = sqlx::query_scalar(
        "select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid \
         where i.inhparent = 'attempts'::regclass",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // 1 s partitions: about 5 kept (retention + one), about 15 ahead (the 10 s start gap +
    // 4 s ahead + one), DEFAULT. Without drops they would grow by one a second.
    assert!(
        partitions.len() <= 24,
        "{} partitions: {partitions:?}",
        partitions.len()
    );
    assert!(
        !partitions.iter().any(|p| p == "attempts_legacy"),
        "{partitions:?}"
    );
    assert!(
        holders.iter().all(|h| !partitions.contains(h)),
        "{holders:?} still exist: {partitions:?}"
    );
    let in_default: i64 = sqlx::query_scalar("select count(*) from attempts_default")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(in_default, 0);
}

/// Migration 0012 converts a populated `attempts` table in place: every row is kept (as the
/// `attempts_legacy` partition), ids keep increasing after it, and reads see both.
#[tokio::test]
async fn migration_keeps_existing_attempts_and_their_numbering() {
    let database_url = crate::support::database::fresh_database().await;
    let pool = taskshed::harness::connect(&database_url, 2).await.unwrap();
    // The migrations before 0012, from a copy of the directory.
    let before = std::env::temp_dir().join(format!("taskshed-mig-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&before).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0012" {
            std::fs::copy(&path, before.join(&name)).unwrap();
        }
    }
    sqlx::migrate::Migrator::new(before.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    std::fs::remove_dir_all(&before).unwrap();
    sqlx::query(
        "insert into attempts (task_id, webhook_id, attempt, scheduled_at, started_at, \
           duration_us, outcome, instance) \
         select 't' || (n % 7), 'msg', 1, now(), now() - interval '1 day', 1000, 'succeeded', 'old' \
         from generate_series(1, 5000) n",
    )
    .execute(&pool)
    .await
    .unwrap();
    let max_before: i64 = sqlx::query_scalar("select max(attempt_id) from attempts")
        .fetch_one(&pool)
        .await
        .unwrap();

    taskshed::harness::migrate(&pool).await.unwrap();
    let kept: i64 = sqlx::query_scalar("select count(*) from attempts_legacy")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, 5000, "rows were lost converting the table");
    let new_id: i64 = sqlx::query_scalar(
        "insert into attempts (task_id, webhook_id, attempt, scheduled_at, started_at, \
           duration_us, outcome, instance) \
         values ('t1', 'msg', 2, now(), now(), 1000, 'succeeded', 'new') returning attempt_id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(new_id > max_before, "{new_id} <= {max_before}");
    let (total, for_t1): (i64, i64) = sqlx::query_as(
        "select (select count(*) from attempts), \
                (select count(*) from attempts where task_id = 't1')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((total, for_t1), (5001, 715 + 1));
    let partitioned: bool =
        sqlx::query_scalar("select relkind = 'p' from pg_class where relname = 'attempts'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(partitioned);
    // The legacy partition serves every index of the parent (primary key, per task, per
    // start time): the matching ones were adopted, the key rebuilt.
    let indexes: Vec<String> = sqlx::query_scalar(
        "select indexdef from pg_indexes where tablename = 'attempts_legacy' order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(indexes.len(), 3, "{indexes:#?}");
}

/// Partition maintenance from many instances at once (here: connections), while attempts
/// are recorded: the advisory lock lets one run at a time, the others skip their turn,
/// nothing fails, ranges never overlap, and the horizon is covered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_partition_maintenance_is_serialized() {
    use taskshed::harness::{create_ahead, drop_expired, PartitionPolicy};
    let database_url = crate::support::database::fresh_database().await;
    let pool = taskshed::harness::connect(&database_url, 12).await.unwrap();
    taskshed::harness::migrate(&pool).await.unwrap();
    // Different retentions, as instances configured differently would have.
    let policies = [2, 8, 16].map(|s| PartitionPolicy::for_retention(Duration::from_secs(s)));
    let inserts = tokio::spawn({
        let pool = pool.clone();
        async move {
            for _ in 0..50 {
                sqlx::query(
                    "insert into attempts (task_id, webhook_id, attempt, scheduled_at, \
                       started_at, duration_us, outcome, instance) \
                     select 't', 'msg', 1, now(), now(), 1, 'succeeded', 'i' \
                     from generate_series(1, 20)",
                )
                .execute(&pool)
                .await
                .expect("recording never fails during partition DDL");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    });
    let mut created = 0;
    let mut skipped = 0;
    for round in 0..6 {
        let steps: Vec<_> = (0..8)
            .map(|i| {
                let (pool, policy) = (pool.clone(), policies[(i + round) % policies.len()]);
                tokio::spawn(async move {
                    let made = create_ahead(&pool, policy).await;
                    let dropped = drop_expired(&pool, policy).await;
                    (made, dropped)
                })
            })
            .collect();
        for step in steps {
            let (made, dropped) = step.await.unwrap();
            let made = made.expect("create_ahead never fails");
            dropped.expect("drop_expired never fails");
            match made {
                Some(n) => created += n,
                None => skipped += 1,
            }
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    inserts.await.unwrap();
    eprintln!("partition maintenance: {created} created, {skipped} turns skipped (lock held)");
    assert!(created > 0);
    // Ranges never overlap (PostgreSQL refuses overlapping partitions, so this checks the
    // chain is contiguous as built) and reach past now.
    let bounds: Vec<(Option<chrono::DateTime<chrono::Utc>>, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as(
            "select (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$FROM \\('([^']+)'\\)$$))[1]::timestamptz, \
                    (regexp_match(pg_get_expr(c.relpartbound, c.oid), $$TO \\('([^']+)'\\)$$))[1]::timestamptz \
             from pg_inherits i join pg_class c on c.oid = i.inhrelid \
             where i.inhparent = 'attempts'::regclass and c.relname <> 'attempts_default' \
             order by 2",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
    for pair in bounds.windows(2) {
        let (previous_upper, lower) = (pair[0].1, pair[1].0.expect("a lower bound"));
        assert!(lower >= previous_upper, "overlap: {bounds:?}");
    }
    let now: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select now()")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(bounds.last().unwrap().1 > now, "{bounds:?}");
    let recorded: i64 = sqlx::query_scalar("select count(*) from attempts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(recorded, 50 * 20);
}
