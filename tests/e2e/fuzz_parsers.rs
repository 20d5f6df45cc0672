//! A property-based fuzz test of the query-string and path parsers (API v2, "Limits":
//! every query value is checked before it reaches SQL): whatever bytes a client puts in a
//! path segment or a query string, the answer is never a 5xx.

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
    ];
    let template = prop_oneof![
        Just("/v1/tasks/{}"),
        Just("/v1/tasks/{}/attempts"),
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
