//! A property-based fuzz test of the query-string and path parsers (API v2, "Limits":
//! every query value is checked before it reaches SQL): whatever bytes a client puts in a
//! path segment or a query string, the answer is never a 5xx; nor for any schedule a
//! preview is asked for (cron-shaped text, any zone, instants from year 1 to 9999).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::app::TestApp;

/// Percent-encodes every byte, so any byte (NUL, controls, invalid UTF-8) reaches the
/// server's decoder exactly.
fn encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

/// Hex, as cursors are, of bytes that matter to a decoder and to PostgreSQL: NUL,
/// controls, DEL, a space, UTF-8 lead and continuation bytes, id characters.
fn hex() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec![
            0u8, 1, 0x1f, b' ', 0x7f, 0xc3, 0xa9, 0xff, b'a', b'-', b'7',
        ]),
        0..8,
    )
    .prop_map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A query value: arbitrary bytes, or something shaped like what the parsers expect.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24).prop_map(|b| encode(&b)),
        hex(),
        "-?[0-9]{1,20}",
        "[a-zA-Z0-9._~:-]{0,300}",
        Just("true".to_owned()),
        Just("scheduled".to_owned()),
    ]
}

fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("limit".to_owned()),
        Just("cursor".to_owned()),
        Just("task_id".to_owned()),
        Just("group_id".to_owned()),
        Just("callback".to_owned()),
        Just("status".to_owned()),
        Just("paused".to_owned()),
        Just("minutes".to_owned()),
        Just("count".to_owned()),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|b| encode(&b)),
    ];
    let pairs = proptest::collection::vec((key, value()), 0..5).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    });
    // A lone cursor often: with other parameters, an unknown key or a bad limit is
    // refused first and the cursor decoder is never reached.
    prop_oneof![pairs, hex().prop_map(|h| format!("cursor={h}"))]
}

fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..40).prop_map(|b| encode(&b)),
        "[a-zA-Z0-9._~:-]{1,300}",
        // The cron task the test creates, so its schedule is computed too.
        Just("fz".to_owned()),
    ];
    let template = prop_oneof![
        Just("/v1/tasks/{}"),
        Just("/v1/tasks/{}/attempts"),
        Just("/v1/tasks/{}/schedule"),
        Just("/v1/tasks/{}/misfires"),
        Just("/v1/callbacks/{}"),
        Just("/v1/tasks"),
        Just("/v1/callbacks"),
        Just("/v1/stats/tasks"),
        Just("/v1/stats/deliveries"),
    ];
    (template, segment).prop_map(|(t, s)| t.replace("{}", &s))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_and_path_parsers_never_answer_5xx() {
    let app = TestApp::spawn().await;
    app.register_callback("cb", "https://example.com/hook")
        .await;
    let reply = app
        .post(
            "/v1/tasks",
            serde_json::json!({"callback": "cb", "task_id": "fz", "run_type": "cron",
                               "cron": "30 2 * * *", "timezone": "America/New_York",
                               "max_runs": 5}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let handle = tokio::runtime::Handle::current();
    let (base, client) = (app.base.clone(), app.client.clone());
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&(path(), query()), |(path, query)| {
                let url = format!("{base}{path}?{query}");
                let status =
                    handle.block_on(async { client.get(&url).send().await.map(|r| r.status()) });
                let status = status.map_err(|e| TestCaseError::fail(format!("{url}: {e}")))?;
                prop_assert!(!status.is_server_error(), "{url} answered {status}");
                Ok(())
            })
            .unwrap();
    })
    .await
    .unwrap();
}

/// A cron-shaped expression: fields from the characters cron uses, 1 to 7 of them, or a
/// nickname-like word.
fn cron_expression() -> impl Strategy<Value = String> {
    let field = "[0-9*/,LW#?A-Z-]{1,6}";
    prop_oneof![
        proptest::collection::vec(field, 1..8).prop_map(|fields| fields.join(" ")),
        "@[a-z]{0,9}",
        ".{0,40}",
        // Valid ones, often, so occurrences are searched from every kind of instant.
        proptest::sample::select(vec![
            "* * * * * *",
            "30 2 * * *",
            "30 1 * * *",
            "0 0 29 2 *",
            "0 9 L * *",
            "0 9 15W * *",
            "0 9 * * 5#5",
            "0 9 * * 5L",
            "@yearly",
            "*/7 * * * *",
            "59 23 31 12 *",
        ])
        .prop_map(str::to_owned),
        proptest::sample::select(vec!["0 0 29 2 *", "30 2 * * *"]).prop_map(str::to_owned),
    ]
}

/// An instant anywhere in the years chrono and PostgreSQL accept, and beyond.
fn instant() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..10_000, 1u32..13, 1u32..29, 0u32..24)
            .prop_map(|(y, m, d, h)| format!("{y:04}-{m:02}-{d:02}T{h:02}:30:00Z")),
        ".{0,30}",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_previews_never_answer_5xx() {
    let app = TestApp::spawn().await;
    let handle = tokio::runtime::Handle::current();
    let (base, client) = (app.base.clone(), app.client.clone());
    let zone = proptest::sample::select(vec![
        "UTC",
        "America/New_York",
        "Australia/Lord_Howe",
        "Asia/Kathmandu",
        "Pacific/Kiritimati",
        "America/Sao_Paulo",
        "Nowhere/Land",
    ]);
    let body = (
        cron_expression(),
        zone,
        proptest::option::of(instant()),
        proptest::option::of(instant()),
        proptest::option::of(-2i64..2_000),
        proptest::option::of(-2i64..5),
        any::<(bool, bool)>(),
    )
        .prop_map(|(cron, zone, start, end, count, max_runs, (shift, both))| {
            serde_json::json!({
                "cron": cron, "timezone": zone, "start_at": start, "end_at": end,
                "count": count, "max_runs": max_runs,
                "dst_policy": {"gap": if shift { "shift" } else { "skip" },
                               "overlap": if both { "both" } else { "once" }},
            })
        });
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&body, |body| {
                let url = format!("{base}/v1/schedules/preview");
                let status = handle.block_on(async {
                    client
                        .post(&url)
                        .json(&body)
                        .send()
                        .await
                        .map(|r| r.status())
                });
                let status = status.map_err(|e| TestCaseError::fail(format!("{body}: {e}")))?;
                prop_assert!(!status.is_server_error(), "{body} answered {status}");
                Ok(())
            })
            .unwrap();
    })
    .await
    .unwrap();
}
