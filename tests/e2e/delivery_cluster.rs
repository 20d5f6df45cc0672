//! Several instances on one database, and an orderly shutdown under load.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

use crate::delivery::at;
use crate::support::database::fresh_database;
use crate::support::receiver::{Answer, Received, Receiver};
use crate::support::server::{wait_for_count, Server};

const LONG: Duration = Duration::from_secs(90);

/// Deliveries per task id.
fn per_task(received: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for request in received {
        *counts.entry(request.task_id().to_owned()).or_default() += 1;
    }
    counts
}

fn due_tasks(count: usize, run_at: &str) -> Vec<Value> {
    (0..count)
        .map(|i| json!({"callback": "hook", "task_id": format!("t{i:05}"), "run_at": run_at}))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_deliver_5000_tasks_exactly_once() {
    const TASKS: usize = 5000;
    let database_url = fresh_database().await;
    let pool = taskshed::harness::connect(&database_url, 2).await.unwrap();
    // Each instance holds at most 500 tasks, so none can take everything at once.
    let env = [("TASKSHED_MAX_IN_FLIGHT", "500")];
    let a = Server::start(&database_url, "A", &env).await;
    let (b, c) = tokio::join!(
        Server::start(&database_url, "B", &env),
        Server::start(&database_url, "C", &env)
    );
    let receiver = Receiver::start().await;
    a.api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (_, now) = at(0);
    a.api.create_tasks(due_tasks(TASKS, &now), 1000).await;

    let received = receiver.wait_for(TASKS, LONG).await;
    let succeeded = wait_for_count(
        &pool,
        "select count(*) from tasks where status = 'succeeded'",
        TASKS as i64,
        LONG,
    )
    .await;
    assert_eq!(succeeded, TASKS as i64);
    // Let any stray duplicate show up before counting (none should).
    let extra = receiver
        .wait_until(Duration::from_millis(300), |r| r.len() > TASKS)
        .await;
    assert!(!extra, "duplicate deliveries: {}", receiver.count());
    let counts = per_task(&received);
    assert_eq!(counts.len(), TASKS);
    assert!(counts.values().all(|n| *n == 1));

    let first = received.iter().map(|r| r.at).min().unwrap();
    let last = received.iter().map(|r| r.at).max().unwrap();
    let seconds = (last - first).num_microseconds().unwrap() as f64 / 1e6;
    eprintln!(
        "delivery rate: {TASKS} tasks in {seconds:.2} s = {:.0} tasks/s",
        TASKS as f64 / seconds.max(1e-3)
    );

    let by_instance: Vec<(String, i64)> = sqlx::query_as(
        "select instance, count(*) from attempts where outcome = 'succeeded' \
         group by 1 order by 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    eprintln!("deliveries by instance: {by_instance:?}");
    let names: Vec<&str> = by_instance.iter().map(|(i, _)| i.as_str()).collect();
    assert_eq!(names, ["A", "B", "C"], "every instance delivers some");
    assert_eq!(
        by_instance.iter().map(|(_, n)| n).sum::<i64>(),
        TASKS as i64
    );
    let attempts: i64 = sqlx::query_scalar("select count(*) from attempts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(attempts, TASKS as i64, "one attempt per task");
    drop((a, b, c));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_burst_loses_nothing() {
    const TASKS: usize = 2000;
    let database_url = fresh_database().await;
    let pool = taskshed::harness::connect(&database_url, 2).await.unwrap();
    // 50 at a time, 50 ms each: the burst lasts a couple of seconds.
    let mut a = Server::start(
        &database_url,
        "A",
        &[
            ("TASKSHED_MAX_IN_FLIGHT", "50"),
            ("TASKSHED_SHUTDOWN_GRACE", "PT5S"),
        ],
    )
    .await;
    let receiver = Receiver::start().await;
    receiver.set_default(Answer::status(200).after(Duration::from_millis(50)));
    a.api
        .callback("hook", &receiver.url("/hook"), json!({}))
        .await;
    let (_, now) = at(0);
    a.api.create_tasks(due_tasks(TASKS, &now), 1000).await;

    receiver.wait_for(300, LONG).await;
    let stopping = tokio::time::Instant::now();
    a.sigterm();
    let status = a
        .wait(Duration::from_secs(5 + 10))
        .await
        .expect("the server did not exit after SIGTERM");
    assert!(status.success(), "exit status {status}:\n{}", a.log_tail());
    assert!(
        stopping.elapsed() < Duration::from_secs(5 + 3),
        "took {:?} to stop",
        stopping.elapsed()
    );
    let delivered_by_a = per_task(&receiver.received());
    assert!(
        delivered_by_a.len() < TASKS,
        "the burst was over before SIGTERM; nothing tested"
    );

    let states: Vec<(String, i64)> =
        sqlx::query_as("select status, count(*) from tasks group by 1 order by 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    let state = |s: &str| {
        states
            .iter()
            .find(|(status, _)| status == s)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(state("running"), 0, "claims left behind: {states:?}");
    assert_eq!(
        state("succeeded") + state("scheduled"),
        TASKS as i64,
        "{states:?}"
    );
    // Every delivery A made was recorded before it exited.
    assert_eq!(
        state("succeeded"),
        delivered_by_a.len() as i64,
        "{states:?}"
    );

    let _b = Server::start(&database_url, "B", &[]).await;
    let all = receiver
        .wait_until(LONG, |r| per_task(r).len() == TASKS)
        .await;
    assert!(
        all,
        "lost tasks: {} delivered",
        per_task(&receiver.received()).len()
    );
    let succeeded = wait_for_count(
        &pool,
        "select count(*) from tasks where status = 'succeeded'",
        TASKS as i64,
        LONG,
    )
    .await;
    assert_eq!(succeeded, TASKS as i64);
}
