//! The web console (`/ui`) in a real headless Chromium, against a real `taskshed` process,
//! PostgreSQL and a scripted webhook receiver: what an operator sees and can do.
//!
//! The main test also takes the screenshots the README shows. They go to
//! `target/console-screenshots/` on every run (so a test run leaves the work tree clean),
//! and to `docs/console/`, which is committed, when `UPDATE_SCREENSHOTS=1` is set:
//! `UPDATE_SCREENSHOTS=1 cargo test --test e2e console` refreshes the pictures, always from
//! this test, so they show the console as it is.

mod webdriver;

use reqwest::StatusCode;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

use crate::delivery::at;
use crate::support::database::fresh_database;
use crate::support::receiver::{Answer, Receiver};
use crate::support::server::Server;
use webdriver::{Browser, ENTER, TAB};

/// Generous bound for deliveries on a busy shared machine.
const SOON: Duration = Duration::from_secs(30);

fn screenshot_path(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = if std::env::var_os("UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        root.join("docs/console")
    } else {
        root.join("target/console-screenshots")
    };
    dir.join(format!("{name}.png"))
}

/// `document.querySelector(css)?.innerText`, as a script for [`Browser::wait_for`].
fn text_of(css: &str) -> String {
    format!("const e = document.querySelector({css:?}); return e ? e.innerText : null;")
}

/// Opens `hash` of the console at `ui` and waits until its view has rendered.
async fn open(browser: &Browser, ui: &str, hash: &str) {
    browser.goto(&format!("{ui}{hash}")).await;
    browser
        .wait_for(
            hash,
            &format!("return document.querySelector('.view[data-hash=\"{hash}\"]');"),
        )
        .await;
}

/// The status shown on a task's page.
async fn shown_status(browser: &Browser) -> String {
    browser
        .eval(&text_of("[data-field=status]"), vec![])
        .await
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[tokio::test]
async fn console_assets_are_embedded_and_served() {
    let server = Server::start(&fresh_database().await, "ui-assets", &[]).await;
    let client = reqwest::Client::new();
    for (path, content_type) in [
        ("/ui", "text/html; charset=utf-8"),
        ("/ui/console.css", "text/css; charset=utf-8"),
        ("/ui/console.js", "text/javascript; charset=utf-8"),
        ("/ui/api.js", "text/javascript; charset=utf-8"),
    ] {
        let response = client
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers();
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'"),
            "{path}"
        );
        let body = response.text().await.unwrap();
        // Nothing is fetched from elsewhere: the console works offline.
        assert!(!body.contains("https://"), "{path} refers to another site");
    }
    let reply = server.api.get("/ui/missing.js").await;
    reply.assert_problem(404, "route_not_found");
}

/// Tasks in every state, through the API: callback `billing` (receiver answers 204),
/// `reports` (400 once, then 204) and `mailer` (400 three times, then 204).
async fn seed(server: &Server, receiver: &Receiver) {
    receiver.script("/reports", [Answer::status(400)]);
    receiver.script("/mailer", (0..3).map(|_| Answer::status(400)));
    let api = &server.api;
    api.callback(
        "billing",
        &receiver.url("/billing"),
        json!({"timeout": "PT5S"}),
    )
    .await;
    api.callback(
        "reports",
        &receiver.url("/reports"),
        json!({"retry": {"max_attempts": 5}}),
    )
    .await;
    api.callback("mailer", &receiver.url("/mailer"), json!({}))
        .await;
    let (_, now) = at(0);
    let (_, tomorrow) = at(24 * 3600 * 1000);
    api.create_task(json!({"callback": "billing", "task_id": "paid-1", "run_at": now}))
        .await;
    for n in 1..=3 {
        api.create_task(json!({
            "callback": "billing", "task_id": format!("invoice-march-{n}"), "group_id": "march",
            "run_at": tomorrow, "kwargs": {"invoice": n, "amount_cents": 1200 * n},
        }))
        .await;
    }
    api.create_task(json!({
        "callback": "billing", "task_id": "nightly-sync", "run_type": "recurring",
        "interval": "P1D", "run_at": tomorrow,
    }))
    .await;
    api.create_task(json!({
        "callback": "reports", "task_id": "report-7", "run_at": now, "kwargs": {"report": 7},
    }))
    .await;
    for n in 1..=3 {
        api.create_task(json!({
            "callback": "mailer", "task_id": format!("welcome-{n}"), "run_at": now,
            "kwargs": {"user": n},
        }))
        .await;
    }
    for id in ["report-7", "welcome-1", "welcome-2", "welcome-3"] {
        api.wait_for_task(id, SOON, |t| t["status"] == "failed")
            .await;
    }
    api.wait_for_task("paid-1", SOON, |t| t["status"] == "succeeded")
        .await;
}

#[tokio::test]
async fn console_shows_tasks_and_retries_failed_ones_in_a_browser() {
    let database_url = fresh_database().await;
    let server = Server::start(&database_url, "ui", &[]).await;
    let receiver = Receiver::start().await;
    seed(&server, &receiver).await;
    // The counts the overview shows, straight from the API.
    let counts = server.api.get("/v1/stats/tasks").await;
    assert_eq!(
        counts.body,
        json!({"scheduled": 4, "running": 0, "succeeded": 1, "failed": 4, "paused": 0}),
        "{counts:#?}"
    );
    let mailer = server.api.get("/v1/stats/tasks?callback=mailer").await;
    assert_eq!(mailer.body["failed"], 3, "{mailer:#?}");
    assert_eq!(mailer.body["succeeded"], 0, "{mailer:#?}");
    server
        .api
        .get("/v1/stats/tasks?status=failed")
        .await
        .assert_problem(422, "validation_failed");

    let browser = Browser::start().await;
    browser.viewport(1280, 800, false).await;
    // Not UTC, so the screenshots and the checks below show times converted.
    browser.time_zone("Europe/Berlin").await;
    let ui = format!("{}/ui", server.base);

    // Overview: counts by status and the failing callbacks.
    browser.goto(&ui).await;
    let failed = browser
        .wait_for(
            "the failed count",
            &text_of(".card-count[data-status=failed]"),
        )
        .await;
    assert_eq!(failed, "4");
    assert_eq!(
        browser
            .eval(&text_of(".card-count[data-status=scheduled]"), vec![])
            .await,
        "4"
    );
    assert_eq!(
        browser
            .eval(&text_of(".card-count[data-status=succeeded]"), vec![])
            .await,
        "1"
    );
    let failing = browser
        .find("[aria-label='Callbacks with failed tasks']")
        .await;
    let failing = browser.text(&failing).await;
    assert!(
        failing.contains("mailer") && failing.contains("reports") && !failing.contains("billing"),
        "{failing}"
    );
    assert!(
        failing.contains("http_status") || failing.contains("400"),
        "{failing}"
    );
    // Deliveries per minute: a bar per minute of the last hour, and the same figures in
    // words (1 delivery succeeded, 4 failed at once with a 400, none retried).
    let summary = browser
        .wait_for(
            "the deliveries chart's summary",
            &text_of("[data-summary=deliveries]"),
        )
        .await;
    let summary = summary.as_str().unwrap();
    assert!(
        summary.starts_with("Last 60 minutes: 1 succeeded, 0 retrying, 4 failed."),
        "{summary}"
    );
    let chart = browser
        .eval(
            "const s = document.querySelector('svg.chart'); \
             const d = document.getElementById(s.getAttribute('aria-describedby')); \
             return [s.getAttribute('role'), d === document.querySelector('[data-summary]'), \
               s.querySelectorAll('g[data-minute]').length, \
               s.querySelectorAll('rect.bar-succeeded').length, \
               s.querySelectorAll('rect.bar-failed').length, \
               s.querySelectorAll('rect.bar-retrying').length, \
               s.getBoundingClientRect().width > 600];",
            vec![],
        )
        .await;
    // One group per minute; one or two minutes hold the attempts (the seed may straddle a
    // minute's edge); the chart spans the page.
    assert_eq!(chart[0], "img", "{chart}");
    assert_eq!(
        chart[1], true,
        "the chart is not described by its summary: {chart}"
    );
    assert_eq!(chart[2], 60, "{chart}");
    assert!((1..=2).contains(&chart[3].as_i64().unwrap()), "{chart}");
    assert!((1..=2).contains(&chart[4].as_i64().unwrap()), "{chart}");
    assert_eq!(chart[5], 0, "{chart}");
    assert_eq!(chart[6], true, "{chart}");
    let busiest = browser
        .eval(
            "return [...document.querySelectorAll('svg.chart g[data-minute] title')]\
             .map((t) => t.textContent).filter((t) => !t.endsWith(': 0 succeeded, 0 retrying, 0 failed'));",
            vec![],
        )
        .await;
    assert!(
        (1..=2).contains(&busiest.as_array().unwrap().len()),
        "bars with attempts: {busiest}"
    );
    browser.screenshot(&screenshot_path("overview")).await;

    // Times are local, with UTC on hover.
    let title = browser
        .wait_for(
            "a time with a UTC title",
            "const t = document.querySelector('time'); return t && t.title;",
        )
        .await;
    assert!(title.as_str().unwrap().ends_with(" UTC"), "{title}");
    let shown = browser
        .eval("return document.querySelector('time').innerText;", vec![])
        .await;
    assert!(
        !shown.as_str().unwrap().contains("UTC"),
        "times should be in the browser's zone: {shown}"
    );
    assert_eq!(browser.eval(&text_of("#tz"), vec![]).await, "Europe/Berlin");

    // Keyboard: Tab reaches the views with a visible focus ring, Enter follows the link.
    let mut reached = false;
    for _ in 0..8 {
        browser.press(TAB).await;
        let focused = browser
            .eval(
                "const e = document.activeElement; \
                 return [e.getAttribute('href'), getComputedStyle(e).outlineStyle];",
                vec![],
            )
            .await;
        if focused[0] == "#/failed" {
            assert_ne!(focused[1], "none", "the focused link shows no focus ring");
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab never reached the Failed view's link");
    browser.press(ENTER).await;
    browser
        .wait_for(
            "the failed view, opened from the keyboard",
            "return document.querySelector('.view[data-hash=\"#/failed\"]');",
        )
        .await;

    // Tasks: filtered by callback and group.
    open(&browser, &ui, "#/tasks?callback=billing&group_id=march").await;
    let table = browser.find("[aria-label=Tasks]").await;
    let table = browser.text(&table).await;
    for n in 1..=3 {
        assert!(table.contains(&format!("invoice-march-{n}")), "{table}");
    }
    assert!(
        !table.contains("paid-1") && !table.contains("welcome-1"),
        "{table}"
    );
    browser.screenshot(&screenshot_path("tasks")).await;

    // Pages: the five billing tasks, two at a time, through `next_cursor`.
    let mut seen = Vec::new();
    open(&browser, &ui, "#/tasks?callback=billing&limit=2").await;
    for _ in 0..3 {
        let ids = browser
            .eval(
                "return [...document.querySelectorAll('[aria-label=Tasks] tbody tr td:first-child')]\
                 .map((td) => td.innerText);",
                vec![],
            )
            .await;
        seen.extend(
            ids.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned()),
        );
        let next = browser
            .eval(
                "return document.querySelector('a[rel=next]')?.getAttribute('href');",
                vec![],
            )
            .await;
        let Some(next) = next.as_str() else { break };
        browser.click(&browser.find("a[rel=next]").await).await;
        browser
            .wait_for(
                "the next page",
                &format!("return document.querySelector('.view[data-hash=\"{next}\"]');"),
            )
            .await;
    }
    assert_eq!(
        seen,
        [
            "invoice-march-1",
            "invoice-march-2",
            "invoice-march-3",
            "nightly-sync",
            "paid-1"
        ]
    );

    // Status filter through the form, as a user would.
    open(&browser, &ui, "#/tasks").await;
    browser
        .eval(
            "const s = document.getElementById('f-status'); s.value = 'failed'; return true;",
            vec![],
        )
        .await;
    let apply = browser.find(".filters button[type=submit]").await;
    browser.click(&apply).await;
    browser
        .wait_for(
            "the failed filter applied",
            "return location.hash.includes('status=failed') && \
             document.querySelector('[aria-label=Tasks]')?.innerText.includes('welcome-1') && \
             !document.querySelector('[aria-label=Tasks]')?.innerText.includes('paid-1');",
        )
        .await;

    // Search by id opens the task's page.
    let search = browser.find("#search-id").await;
    browser.type_into(&search, "report-7").await;
    let open_button = browser.find(".search button[type=submit]").await;
    browser.click(&open_button).await;
    browser
        .wait_for(
            "the task page of report-7",
            "return location.hash === '#/task/report-7' && document.querySelector('[data-field=status]');",
        )
        .await;

    // One task: every field and its attempts, then retry from the page.
    assert_eq!(shown_status(&browser).await, "failed");
    let fields = browser.text(&browser.find("#task-fields").await).await;
    for field in [
        "task_id",
        "callback",
        "run_at",
        "kwargs",
        "attempts",
        "last_error",
        "created_at",
    ] {
        assert!(fields.contains(field), "{field} missing from {fields}");
    }
    assert!(fields.contains("\"report\": 7"), "{fields}");
    let attempts = browser
        .text(
            &browser
                .find("[aria-label='Delivery attempts, newest first']")
                .await,
        )
        .await;
    assert!(
        attempts.contains("400") && attempts.contains("failed"),
        "{attempts}"
    );
    browser.screenshot(&screenshot_path("task")).await;

    let retry = browser.find("#task-retry").await;
    browser.click(&retry).await;
    browser
        .wait_for(
            "the status to leave failed",
            "const s = document.querySelector('[data-field=status]'); \
             return s && s.innerText.trim() !== 'failed';",
        )
        .await;
    let flash = browser.text(&browser.find("#flash").await).await;
    assert!(flash.contains("re-armed"), "{flash}");
    server
        .api
        .wait_for_task("report-7", SOON, |t| t["status"] == "succeeded")
        .await;
    // The page catches up on refresh.
    let deadline = tokio::time::Instant::now() + SOON;
    while shown_status(&browser).await != "succeeded" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the page never showed succeeded"
        );
        browser.click(&browser.find("#task-refresh").await).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let attempts = browser
        .text(
            &browser
                .find("[aria-label='Delivery attempts, newest first']")
                .await,
        )
        .await;
    assert!(attempts.contains("204"), "{attempts}");

    // Pause and resume a future task; delete another after confirming.
    open(&browser, &ui, "#/task/invoice-march-1").await;
    browser.click(&browser.find("#task-pause").await).await;
    browser
        .wait_for("paused", &text_of("[data-field=paused_at] time"))
        .await;
    assert_eq!(server.api.task("invoice-march-1").await["paused"], true);
    browser.click(&browser.find("#task-resume").await).await;
    browser.find("#task-pause").await;
    assert_eq!(server.api.task("invoice-march-1").await["paused"], false);

    open(&browser, &ui, "#/task/invoice-march-3").await;
    browser.click(&browser.find("#task-delete").await).await;
    browser
        .wait_for(
            "the confirmation",
            "return document.getElementById('confirm-dialog').open;",
        )
        .await;
    browser
        .screenshot(&screenshot_path("task-delete-confirm"))
        .await;
    browser.click(&browser.find("#confirm-yes").await).await;
    browser
        .wait_for("the task list", "return location.hash === '#/tasks';")
        .await;
    assert_eq!(
        server.api.get("/v1/tasks/invoice-march-3").await.status,
        StatusCode::NOT_FOUND
    );

    // Failed tasks: the count first, then the bulk retry.
    open(&browser, &ui, "#/failed").await;
    let list = browser
        .text(&browser.find("[aria-label='Failed tasks']").await)
        .await;
    for n in 1..=3 {
        assert!(list.contains(&format!("welcome-{n}")), "{list}");
    }
    assert!(!list.contains("report-7"), "{list}");
    browser.click(&browser.find("#bulk-preview").await).await;
    let count = browser
        .wait_for("the retry count", &text_of("#bulk-count"))
        .await;
    assert!(
        count.as_str().unwrap().starts_with("3 failed tasks"),
        "{count}"
    );
    // Counting changed nothing.
    assert_eq!(server.api.task("welcome-1").await["status"], "failed");
    browser.screenshot(&screenshot_path("failed")).await;
    browser.click(&browser.find("#bulk-confirm").await).await;
    let done = browser
        .wait_for(
            "the bulk retry result",
            "const f = document.querySelector('#flash .flash'); \
             return f && f.innerText.startsWith('Re-armed') && f.innerText;",
        )
        .await;
    assert!(
        done.as_str().unwrap().contains("Re-armed 3 tasks"),
        "{done}"
    );
    for n in 1..=3 {
        server
            .api
            .wait_for_task(&format!("welcome-{n}"), SOON, |t| {
                t["status"] == "succeeded"
            })
            .await;
    }

    // Callbacks: URL, timeout and retry policy; the signing secret is never shown.
    open(&browser, &ui, "#/callbacks").await;
    let callbacks = browser
        .text(&browser.find("[aria-label='Registered callbacks']").await)
        .await;
    assert!(callbacks.contains(&receiver.url("/mailer")), "{callbacks}");
    assert!(
        callbacks.contains("PT5S") && callbacks.contains("5 attempts"),
        "{callbacks}"
    );
    let page = browser
        .eval("return document.body.innerText;", vec![])
        .await;
    assert!(
        !page.as_str().unwrap().contains("whsec_"),
        "a secret is on the page"
    );
    browser.screenshot(&screenshot_path("callbacks")).await;

    // Phone width: nothing wider than the screen but the tables' own scroll boxes.
    browser.viewport(390, 844, true).await;
    for (view, name) in [("#/", "overview-phone"), ("#/task/report-7", "task-phone")] {
        open(&browser, &ui, view).await;
        let fits = browser
            .eval(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await;
        assert_eq!(fits, true, "{view} is wider than a phone screen");
        browser.screenshot(&screenshot_path(name)).await;
    }
}

/// A valid API key's text: `tsk_` and 43 base62 characters.
fn api_key() -> String {
    let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let body: String = (0..43)
        .map(|_| alphabet[rand::random::<u8>() as usize % 62] as char)
        .collect();
    format!("tsk_{body}")
}

/// Sends `body` to `url` with `key` as the bearer key; panics unless 2xx.
async fn send_with_key(method: reqwest::Method, url: &str, key: &str, body: serde_json::Value) {
    let reply = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = reply.status();
    assert!(
        status.is_success(),
        "{url}: {status} {}",
        reply.text().await.unwrap_or_default()
    );
}

#[tokio::test]
async fn console_asks_for_a_key_when_the_api_answers_401() {
    // A real server that enforces keys: with an admin key set, every `/v1` call without a
    // valid key gets 401, so the console has to ask for one.
    let key = api_key();
    let server = Server::start(
        &fresh_database().await,
        "ui-auth",
        &[("TASKSHED_ADMIN_KEY", key.as_str())],
    )
    .await;
    let receiver = Receiver::start().await;
    let unauthorized = reqwest::get(format!("{}/v1/tasks", server.base))
        .await
        .expect("request");
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    // Real data to see once the key is in: a callback and a task scheduled for tomorrow.
    send_with_key(
        reqwest::Method::PUT,
        &format!("{}/v1/callbacks/keyed", server.base),
        &key,
        json!({"url": receiver.url("/keyed")}),
    )
    .await;
    let (_, tomorrow) = at(24 * 3600 * 1000);
    send_with_key(
        reqwest::Method::POST,
        &format!("{}/v1/tasks", server.base),
        &key,
        json!({"callback": "keyed", "task_id": "behind-a-key", "run_at": tomorrow}),
    )
    .await;

    let browser = Browser::start().await;
    browser.viewport(1280, 800, false).await;
    let ui = format!("{}/ui", server.base);
    browser.goto(&format!("{ui}#/")).await;
    browser
        .wait_for(
            "the key prompt",
            "return document.getElementById('key-dialog').open;",
        )
        .await;
    let stored = browser
        .eval("return sessionStorage.getItem('taskshed.apiKey');", vec![])
        .await;
    assert_eq!(stored, serde_json::Value::Null, "no key before the prompt");
    browser.screenshot(&screenshot_path("key-prompt")).await;
    let input = browser.find("#key-input").await;
    browser.type_into(&input, &key).await;
    browser
        .click(&browser.find("#key-form button[value=use]").await)
        .await;
    // One prompt for all the calls that were refused, then the overview loads real data.
    let count = browser
        .wait_for(
            "the overview with the scheduled task",
            "const e = document.querySelector('.card-count[data-status=scheduled]'); \
             return e && e.innerText.trim() === '1' ? e.innerText.trim() : null;",
        )
        .await;
    assert_eq!(count, "1");
    let state = browser
        .eval(
            "return [sessionStorage.getItem('taskshed.apiKey'), \
             document.getElementById('key-dialog').open];",
            vec![],
        )
        .await;
    assert_eq!(state[0], key.as_str());
    assert_eq!(state[1], false);
    open(&browser, &ui, "#/callbacks").await;
    let callbacks = browser
        .text(&browser.find("[aria-label='Registered callbacks']").await)
        .await;
    assert!(callbacks.contains(&receiver.url("/keyed")), "{callbacks}");

    // A reload in the same tab keeps the key (sessionStorage): no second prompt.
    browser
        .eval(
            "window.beforeReload = true; location.hash = '#/'; location.reload(); return true;",
            vec![],
        )
        .await;
    let count = browser
        .wait_for(
            "the overview after the reload",
            "const e = document.querySelector('.card-count[data-status=scheduled]'); \
             return !window.beforeReload && e && e.innerText.trim() === '1' \
               ? e.innerText.trim() : null;",
        )
        .await;
    assert_eq!(count, "1");
    let state = browser
        .eval(
            "return [sessionStorage.getItem('taskshed.apiKey'), \
             document.getElementById('key-dialog').open];",
            vec![],
        )
        .await;
    assert_eq!(state[0], key.as_str());
    assert_eq!(state[1], false, "the reload prompted for the key again");
}
