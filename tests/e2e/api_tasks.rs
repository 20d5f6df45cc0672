//! Tasks over HTTP: TaskShed's scheduler operations.

use serde_json::json;

use crate::support::app::TestApp;

#[tokio::test]
async fn create_and_fetch_a_task_with_defaults() {
    let app = TestApp::spawn().await;
    app.register_callback("add", "http://127.0.0.1:9/hook")
        .await;
    let reply = app
        .post(
            "/v1/tasks",
            json!({"callback": "add", "run_at": "2025-03-14T10:00:00", "timezone": "America/New_York"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let task = &reply.body;
    assert_eq!(task["run_at"], "2025-03-14T14:00:00Z");
    assert_eq!(task["kwargs"], json!({}));
    assert_eq!(task["run_type"], "once");
    assert_eq!(task["paused"], false);
    assert_eq!(task["coalesce"], true);
    assert_eq!(task["status"], "scheduled");
    let id = task["task_id"].as_str().unwrap();
    assert_eq!(id.len(), 32);
    let fetched = app.get(&format!("/v1/tasks/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, reply.body);
}
