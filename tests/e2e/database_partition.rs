//! One instance cut off from PostgreSQL by a silent network partition (issue 12, problem
//! 6): a TCP proxy between instance `a` and PostgreSQL stops forwarding for 20 s without
//! closing anything (half-open), while instance `b` reaches PostgreSQL directly.
//!
//! `a` must notice on its own (no FIN or RST ever comes: only client-side deadlines can
//! tell), answer its API calls with 503 `database_unavailable` within a bounded time and
//! never 500, recover by itself when forwarding resumes, and every task — including those
//! `a` held when the partition began — must be delivered exactly once (a delivery ledger
//! built from what the receiver got).

use serde_json::json;
use std::time::{Duration, Instant};

use crate::delivery::at;
use crate::support::database::fresh_database;
use crate::support::ledger::Ledger;
use crate::support::receiver::Receiver;
use crate::support::server::{wait_for_count, Api, Server};
use crate::support::tcp_proxy::TcpProxy;

/// How long the proxy stays silent (the figure).
const PARTITION: Duration = Duration::from_secs(20);
/// Longest an API call of `a` may take to answer during the partition: the pool's acquire
/// timeout (10 s, which includes the ping of an idle connection) plus slack for a busy
/// machine.
const ANSWER_BOUND: Duration = Duration::from_secs(15);
const TASKS: usize = 120;

#[tokio::test]
async fn an_instance_cut_off_from_postgres_answers_503_recovers_and_loses_nothing() {
    let database_url = fresh_database().await;
    let (proxy, proxied_url) = TcpProxy::for_database_url(&database_url).await;
    let a = Server::start(&proxied_url, "a", &[]).await;
    let b = Server::start(&database_url, "b", &[]).await;
    let receiver = Receiver::start().await;
    b.api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    // One task every 250 ms from 1 s on: due before, during and after the partition.
    let ids: Vec<String> = (0..TASKS).map(|i| format!("t{i:03}")).collect();
    let tasks = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let (_, due) = at(1_000 + 250 * i as i64);
            json!({"callback": "hook", "task_id": id, "run_at": due})
        })
        .collect();
    b.api.create_tasks(tasks, 500).await;
    assert!(
        receiver
            .wait_until(Duration::from_secs(30), |r| r.len() >= 8)
            .await,
        "deliveries did not start"
    );

    proxy.pause();
    // Calls to a's API while the partition lasts, from a task of their own, so the
    // partition ends after exactly `PARTITION` however long each call takes.
    let probing = tokio_util::sync::CancellationToken::new();
    let probe = |path: &'static str| {
        let api = Api::new(&a.base);
        let stop = probing.clone();
        tokio::spawn(async move {
            let mut answers = Vec::new();
            while !stop.is_cancelled() {
                let asked = Instant::now();
                let reply = api.get(path).await;
                answers.push((reply, asked.elapsed()));
            }
            answers
        })
    };
    let (api_calls, readiness) = (probe("/v1/tasks/t000"), probe("/readyz"));
    // The fault itself is timed: the proxy stays silent for 20 s.
    tokio::time::sleep(PARTITION).await;
    proxy.resume();
    probing.cancel();
    let (api_calls, readiness) = (api_calls.await.unwrap(), readiness.await.unwrap());
    for (path, answers) in [("/v1/tasks/t000", &api_calls), ("/readyz", &readiness)] {
        for (reply, took) in answers {
            println!(
                "during the partition: {path} -> {} in {took:?}",
                reply.status
            );
            assert_ne!(reply.status.as_u16(), 500, "{path}: {reply:?}");
            assert!(*took < ANSWER_BOUND, "{path} took {took:?}");
        }
    }
    // The first call of each began with the partition and was answered within it.
    api_calls[0].0.assert_problem(503, "database_unavailable");
    assert_eq!(readiness[0].0.status.as_u16(), 503, "{:?}", readiness[0]);

    // Recovers by itself: the API answers again, and a claims and records again.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = a.api.get("/v1/tasks/t000").await;
        assert_ne!(reply.status.as_u16(), 500, "{reply:?}");
        if reply.status.is_success() {
            break;
        }
        assert!(Instant::now() < deadline, "a did not recover: {reply:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, now) = at(0);
    let after = a
        .api
        .create_task(json!({"callback": "hook", "task_id": "after", "run_at": now}))
        .await;
    assert_eq!(after["task_id"], "after");

    let pool = taskshed::harness::connect(&database_url, 2)
        .await
        .expect("pool");
    let left = wait_for_count(
        &pool,
        "select count(*) from tasks where status <> 'succeeded'",
        0,
        Duration::from_secs(90),
    )
    .await;
    assert_eq!(left, 0, "tasks not delivered after the partition");
    let by_a: i64 = sqlx::query_scalar("select count(*) from attempts where instance = 'a'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(by_a > 0, "a delivered nothing at all");

    let mut accepted = ids.clone();
    accepted.push("after".to_owned());
    let ledger = Ledger::from_database(&pool, accepted, &receiver.received()).await;
    println!("half-open partition of one instance for {PARTITION:?}: {ledger}");
    for id in ledger.duplicated_tasks() {
        let history: Vec<(String, String, String)> = sqlx::query_as(
            "select instance, outcome, started_at::text from attempts \
             where task_id = $1 order by attempt_id",
        )
        .bind(id)
        .fetch_all(&pool)
        .await
        .unwrap();
        let receipts: Vec<String> = receiver
            .for_task(id)
            .iter()
            .map(|r| format!("{} attempt {}", r.at, r.attempt()))
            .collect();
        println!("duplicated {id}: attempts {history:?}, received {receipts:?}");
    }
    assert_eq!(ledger.lost(), 0, "{ledger}");
    assert_eq!(ledger.duplicated(), 0, "{ledger}");
    assert_eq!(ledger.delivered(), TASKS + 1, "{ledger}");
}

/// The API has connections of its own: with every delivery connection of `a` stuck (each
/// attempt looks its callback up, and the test holds a lock on `callbacks`), API calls
/// that do not need that table still answer at once. Before the pools were split, the
/// stuck deliveries held the shared pool's connections and the API waited for its acquire
/// timeout. Tasks are claimed seconds early (`--look-ahead PT10S`), so the callback cache
/// filled at the claim has expired when they are sent and every attempt needs a lookup.
#[tokio::test]
async fn the_api_keeps_answering_while_delivery_connections_are_all_busy() {
    let database_url = fresh_database().await;
    let a = Server::start(&database_url, "a", &[("TASKSHED_LOOK_AHEAD", "PT10S")]).await;
    let receiver = Receiver::start().await;
    let pool = taskshed::harness::connect(&database_url, 2)
        .await
        .expect("pool");
    // Room for all 300 claims at once: the default max_concurrency (100) counts claimed
    // tasks, and this test needs every one of them claimed ahead.
    a.api
        .callback(
            "hook",
            &receiver.url("/hook"),
            json!({"max_concurrency": 1000}),
        )
        .await;
    a.api
        .create_task(
            json!({"callback": "hook", "task_id": "probe", "run_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let (due_at, due) = at(8_000);
    let tasks: Vec<_> = (0..300)
        .map(|i| json!({"callback": "hook", "task_id": format!("t{i}"), "run_at": due}))
        .collect();
    a.api.create_tasks(tasks, 500).await;
    let claimed = wait_for_count(
        &pool,
        "select count(*) from tasks where status = 'running'",
        300,
        Duration::from_secs(7),
    )
    .await;
    assert_eq!(claimed, 300, "not all claimed ahead of time");
    // Right after its claim, the claim loop looks the callback up once (to warm the cache);
    // wait until that is done, or the lock would catch that one lookup instead of the
    // deliveries' (seen twice in a row, 50 ms apart: no taskshed statement running).
    let mut quiet = 0;
    while quiet < 2 {
        let active: i64 = sqlx::query_scalar(
            "select count(*) from pg_stat_activity \
             where application_name = 'taskshed' and state = 'active' \
               and pid <> pg_backend_pid()",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        quiet = if active == 0 { quiet + 1 } else { 0 };
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut lock = pool.begin().await.expect("begin");
    sqlx::query("lock table callbacks in access exclusive mode")
        .execute(&mut *lock)
        .await
        .expect("lock");
    assert!(
        chrono::Utc::now() < due_at,
        "the machine is too slow: the lock came after the tasks were due"
    );
    let stuck = wait_for_count(
        &pool,
        "select least(count(*), 8) from pg_stat_activity \
         where application_name = 'taskshed' and wait_event_type = 'Lock'",
        8,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(stuck, 8, "delivery did not fill its pool");
    for _ in 0..20 {
        let asked = Instant::now();
        let reply = a.api.get("/v1/tasks/probe").await;
        assert_eq!(reply.status.as_u16(), 200, "{reply:?}");
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "the API waited {:?} with delivery stuck",
            asked.elapsed()
        );
    }
    lock.commit().await.expect("unlock");
    let left = wait_for_count(
        &pool,
        "select count(*) from tasks where status <> 'succeeded' and task_id <> 'probe'",
        0,
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(left, 0, "tasks not delivered after the lock was released");
    assert_eq!(receiver.count(), 300);
}

/// A request whose statement is already on its way when the connection falls silent has
/// no pool timeout or ping to save it: it is answered 503 `database_unavailable` by the
/// API's request deadline (read timeout + acquire timeout + statement timeout + 5 s: 55 s
/// with the defaults), not after the minutes the kernel takes to give up on the socket.
#[tokio::test]
async fn a_request_in_flight_when_its_connection_falls_silent_is_answered_503() {
    let database_url = fresh_database().await;
    let (proxy, proxied_url) = TcpProxy::for_database_url(&database_url).await;
    let a = Server::start(&proxied_url, "a", &[]).await;
    let receiver = Receiver::start().await;
    a.api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    a.api
        .create_task(json!({"callback": "hook", "task_id": "t", "run_at": "2099-01-01T00:00:00Z"}))
        .await;
    let pool = taskshed::harness::connect(&database_url, 2)
        .await
        .expect("pool");
    // The PATCH's statement waits on this row lock inside PostgreSQL...
    let mut lock = pool.begin().await.expect("begin");
    sqlx::query("select 1 from tasks where task_id = 't' for update")
        .execute(&mut *lock)
        .await
        .expect("lock the row");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(180))
        .build()
        .unwrap();
    let patch = tokio::spawn({
        let url = format!("{}/v1/tasks/t", a.base);
        async move {
            let asked = Instant::now();
            let reply = client
                .patch(url)
                .json(&json!({"kwargs": {"v": 2}}))
                .send()
                .await
                .expect("an answer");
            let status = reply.status().as_u16();
            let body: serde_json::Value = reply.json().await.unwrap_or_default();
            (status, body, asked.elapsed())
        }
    });
    let waiting = wait_for_count(
        &pool,
        "select count(*) from pg_stat_activity \
         where application_name = 'taskshed' and wait_event_type = 'Lock'",
        1,
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(waiting, 1, "the PATCH never reached the lock");
    // ...and once the connection falls silent, its answer can never arrive.
    proxy.pause();
    lock.commit().await.expect("unlock");
    let (status, body, took) = patch.await.expect("patch");
    proxy.resume();
    println!("a PATCH stuck on a silent connection was answered {status} after {took:?}");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "database_unavailable", "{body}");
    assert!(took < Duration::from_secs(70), "answered after {took:?}");
    // And the instance recovers by itself.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = a.api.get("/v1/tasks/t").await;
        assert_ne!(reply.status.as_u16(), 500, "{reply:?}");
        if reply.status.is_success() {
            break;
        }
        assert!(Instant::now() < deadline, "a did not recover: {reply:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
