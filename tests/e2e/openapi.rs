//! The OpenAPI document: the committed `openapi.yaml` is what the handlers generate, the
//! server serves the same document, and it describes every endpoint of the contract.

use serde_json::Value;

use crate::support::app::TestApp;

/// The spec as the handlers generate it, as a JSON value.
fn generated() -> Value {
    serde_json::to_value(taskshed::harness::openapi()).expect("the spec serialises")
}

fn committed_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {path}: {e}; run `cargo run -- openapi > openapi.yaml`"))
}

#[test]
fn committed_openapi_yaml_is_up_to_date() {
    let generated_yaml = taskshed::harness::openapi()
        .to_yaml()
        .expect("spec as YAML");
    let committed: serde_yaml::Value =
        serde_yaml::from_str(&committed_text()).expect("openapi.yaml is YAML");
    let expected: serde_yaml::Value =
        serde_yaml::from_str(&generated_yaml).expect("generated YAML parses");
    assert!(
        committed == expected,
        "openapi.yaml is out of date with the handlers' annotations; \
         regenerate it with `cargo run -- openapi > openapi.yaml` and commit the result"
    );
}

#[tokio::test]
async fn served_spec_equals_the_generated_one() {
    let app = TestApp::spawn().await;
    let reply = app.get("/openapi.json").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert!(reply.content_type().starts_with("application/json"));
    assert_eq!(reply.body, generated());
    // And so the committed YAML, read as JSON values.
    let committed: Value = serde_yaml::from_str(&committed_text()).expect("openapi.yaml");
    assert_eq!(
        reply.body, committed,
        "run `cargo run -- openapi > openapi.yaml`"
    );
}

#[tokio::test]
async fn docs_page_is_served() {
    let app = TestApp::spawn().await;
    let reply = app.get("/docs").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert!(reply.content_type().starts_with("text/html"), "{reply:#?}");
    let html = reply.body.as_str().expect("an HTML page");
    assert!(html.to_ascii_lowercase().contains("<html"), "{html}");
}

#[test]
fn spec_describes_every_endpoint_of_the_contract() {
    let spec = generated();
    let version = spec["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1"), "OpenAPI {version}");
    // API.md's Callbacks and Tasks tables, with the operation ids clients generate from.
    let operations = [
        ("put", "/v1/callbacks/{name}", "register_callback"),
        ("get", "/v1/callbacks", "list_callbacks"),
        ("get", "/v1/callbacks/{name}", "get_callback"),
        ("delete", "/v1/callbacks/{name}", "delete_callback"),
        ("post", "/v1/tasks", "create_task"),
        ("post", "/v1/tasks/batch", "create_tasks"),
        ("get", "/v1/tasks/{task_id}", "get_task"),
        ("get", "/v1/tasks", "list_tasks"),
        ("patch", "/v1/tasks/{task_id}", "update_task"),
        (
            "post",
            "/v1/tasks/execution-times",
            "update_execution_times",
        ),
        ("post", "/v1/tasks/pause", "pause_tasks"),
        ("post", "/v1/tasks/resume", "resume_tasks"),
        ("post", "/v1/tasks/delete", "delete_tasks"),
        ("delete", "/v1/tasks/{task_id}", "delete_task"),
        ("get", "/v1/tasks/{task_id}/attempts", "list_attempts"),
        ("post", "/v1/tasks/{task_id}/retry", "retry_task"),
        // API.md v2, "Schedules".
        ("post", "/v1/schedules/preview", "preview_schedule"),
        (
            "get",
            "/v1/tasks/{task_id}/schedule",
            "task_schedule_preview",
        ),
        ("get", "/v1/tasks/{task_id}/misfires", "list_misfires"),
    ];
    for (method, path, operation_id) in operations {
        let operation = &spec["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is missing");
        assert_eq!(operation["operationId"], operation_id, "{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} has no success response"
        );
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} takes a JSON body but does not document {status}"
                );
            }
        }
        // Every documented error answers problem+json with the Problem schema.
        for (status, response) in responses.iter().filter(|(s, _)| s.as_str() >= "400") {
            let content = response["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} {status} has no content"));
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/problem+json"],
                "{method} {path} {status}"
            );
            assert_eq!(
                content["application/problem+json"]["schema"]["$ref"],
                "#/components/schemas/Problem",
                "{method} {path} {status}"
            );
        }
    }
    let mut ids: Vec<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "operation ids are unique");

    let schemas = &spec["components"]["schemas"];
    for (schema, values) in [
        (
            "TaskStatus",
            &["scheduled", "running", "succeeded", "failed"][..],
        ),
        ("RunType", &["once", "recurring", "cron"][..]),
        ("GapPolicy", &["skip", "shift"][..]),
        ("OverlapPolicy", &["once", "both"][..]),
        (
            "DstFlag",
            &["gap_shifted", "overlap_first", "overlap_second"][..],
        ),
        (
            "MisfireReason",
            &["coalesced", "catchup_limit", "dst_gap"][..],
        ),
        ("BatchOutcome", &["created", "replaced", "kept"][..]),
    ] {
        assert_eq!(
            schemas[schema]["enum"],
            serde_json::json!(values),
            "{schema}"
        );
    }
    for schema in [
        "Task",
        "TaskSpec",
        "CreateTaskRequest",
        "BatchCreateRequest",
        "BatchCreateResponse",
        "PatchTaskRequest",
        "TaskPage",
        "ExecutionTimesRequest",
        "ExecutionTimesResponse",
        "TaskSelectorRequest",
        "AffectedResponse",
        "Attempt",
        "AttemptPage",
        "PreviewRequest",
        "SchedulePreview",
        "MisfirePage",
        "DstPolicy",
        "Callback",
        "CallbackSpec",
        "CallbackPage",
        "Problem",
        "FieldError",
    ] {
        assert!(
            schemas[schema].is_object(),
            "schema {schema} is not registered"
        );
    }
    // Every $ref resolves.
    let text = spec.to_string();
    for piece in text.split("\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(schemas[name].is_object(), "dangling $ref to {name}");
    }
    let problem_required = &schemas["Problem"]["required"];
    for field in ["type", "title", "status", "detail", "code"] {
        assert!(
            problem_required
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == field),
            "Problem.{field} is not required"
        );
    }
}
