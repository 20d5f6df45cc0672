//! The HTTP API: routes and their OpenAPI description are registered together, so the
//! spec is generated from the handlers themselves.

pub(crate) mod auth;
pub(crate) mod callback_dto;
pub(crate) mod callbacks;
mod console;
pub(crate) mod deadline;
pub(crate) mod json;
pub(crate) mod key_cache;
pub(crate) mod keys;
pub(crate) mod ops;
pub(crate) mod pagination;
pub(crate) mod request_log;
pub(crate) mod responses;
pub(crate) mod schedule_dto;
pub(crate) mod schedules;
pub(crate) mod stats;
pub(crate) mod task_dto;
pub(crate) mod tasks;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use utoipa_scalar::{Scalar, Servable};

use crate::create_batcher::CreateBatcher;
use crate::error::ApiError;
use crate::metrics::Metrics;
use auth::BearerScheme;

/// Everything a handler needs.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    /// Group commit for `POST /v1/tasks` (see [`crate::create_batcher`]).
    pub creates: CreateBatcher,
    /// Compiled callback kwargs contracts, shared by every task write (and `creates`).
    pub schemas: Arc<crate::domain::kwargs_schema::SchemaCache>,
    pub metrics: Arc<Metrics>,
    /// Largest batch body (`--max-body-bytes`); other bodies get
    /// [`crate::domain::limits::Limits::max_single_body_bytes`].
    pub max_body_bytes: usize,
    /// Access control: settings and the key cache (see [`auth`]).
    pub auth: Arc<auth::Auth>,
    pub limits: crate::domain::limits::Limits,
    /// How callbacks' secrets and header values are kept at rest.
    pub at_rest: crate::domain::sealed::AtRest,
    /// Where deliveries may go: registration refuses a literal IP it forbids.
    pub egress: Arc<crate::domain::egress::EgressPolicy>,
    /// Longest a request may take before it is answered 503 (see [`deadline`]).
    pub request_deadline: std::time::Duration,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TaskShed",
        description = "A durable, multi-instance task scheduler over HTTP. Register a callback \
            (a named webhook), create tasks that name it, and TaskShed POSTs each task's \
            `kwargs` to the callback's URL when it is due: signed (Standard Webhooks), \
            retried with backoff, recorded, at least once.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "tasks", description = "Create, read, change, pause, resume and delete tasks."),
        (name = "schedules", description = "Cron and interval schedules: preview occurrences (with DST flags), a task's next occurrences, and its misfire ledger."),
        (name = "callbacks", description = "Named webhook endpoints that tasks are delivered to."),
        (name = "operations", description = "Health, readiness and metrics."),
        (name = "keys", description = "API keys (scope `admin`)."),
    ),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        callback_dto::TaskFailedNotice,
        callback_dto::CallbackDisabledNotice
    )),
    modifiers(&BearerScheme)
)]
struct ApiDoc;

fn api_routes(max_batch_body: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tasks::create_task, tasks::list_tasks))
        // The one body allowed to be large: many tasks, each within the kwargs limit.
        .routes(routes!(tasks::create_tasks).layer(DefaultBodyLimit::max(max_batch_body)))
        .routes(routes!(
            tasks::get_task,
            tasks::update_task,
            tasks::delete_task
        ))
        .routes(routes!(tasks::update_execution_times))
        .routes(routes!(tasks::pause_tasks))
        .routes(routes!(tasks::resume_tasks))
        .routes(routes!(tasks::delete_tasks))
        .routes(routes!(tasks::retry_tasks))
        .routes(routes!(tasks::list_attempts))
        .routes(routes!(schedules::preview_schedule))
        .routes(routes!(schedules::task_schedule_preview))
        .routes(routes!(schedules::list_misfires))
        .routes(routes!(tasks::retry_task))
        .routes(routes!(stats::task_counts))
        .routes(routes!(stats::delivery_counts))
        .routes(routes!(callbacks::list_callbacks))
        .routes(routes!(
            callbacks::register_callback,
            callbacks::get_callback,
            callbacks::delete_callback
        ))
        .routes(routes!(callbacks::rotate_secret))
        .routes(routes!(callbacks::enable_callback))
        .routes(routes!(ops::healthz))
        .routes(routes!(ops::readyz))
        .routes(routes!(ops::metrics))
        .routes(routes!(keys::post_key, keys::list_keys))
        .routes(routes!(keys::delete_key))
}

/// The OpenAPI document, as generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api_routes(0).split_for_parts().1;
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    auth::describe_access(&mut doc);
    doc
}

/// Valid task ids that are also static segments under `/v1/tasks/`. The router prefers a
/// static segment, so without [`shadowed_task_routes`] a task with one of these ids could
/// be created but `GET`/`PATCH`/`DELETE /v1/tasks/{task_id}` would answer 405.
pub(crate) const TASK_IDS_SHADOWED_BY_ROUTES: [&str; 6] = [
    "batch",
    "execution-times",
    "pause",
    "resume",
    "delete",
    "retry",
];

/// Adds the by-id methods to the static `/v1/tasks/<segment>` paths that shadow task ids.
/// The OpenAPI document already describes them as `/v1/tasks/{task_id}`.
fn shadowed_task_routes(mut router: Router<AppState>) -> Router<AppState> {
    use axum::extract::State;
    use json::{ApiJson, ApiPath};
    for id in TASK_IDS_SHADOWED_BY_ROUTES {
        let by_id = get(move |state: State<AppState>| tasks::get_task(state, ApiPath(id.into())))
            .patch(
                move |state: State<AppState>, body: ApiJson<task_dto::PatchTaskRequest>| {
                    tasks::update_task(state, ApiPath(id.into()), body)
                },
            )
            .delete(move |state: State<AppState>| tasks::delete_task(state, ApiPath(id.into())));
        router = router.route(&format!("/v1/tasks/{id}"), by_id);
    }
    router
}

/// The complete application router.
pub fn router(state: AppState) -> Router {
    let (routes, _) = api_routes(state.max_body_bytes).split_for_parts();
    let doc = openapi();
    let doc_json = Arc::new(doc.clone());
    // Every body but a batch's: one task's kwargs and room for the rest.
    let max_body = state.limits.max_single_body_bytes();
    shadowed_task_routes(routes)
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc_json.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .merge(Scalar::with_url("/docs", doc))
        .merge(console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        // Inside the request log, so refused requests are logged and counted too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::enforce,
        ))
        // Inside the request log, so a request cut off by it is logged and counted.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            deadline::enforce,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            request_log::observe,
        ))
        .with_state(state)
}

/// Only the operational endpoints, for `--role worker`.
pub fn operations_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::enforce,
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("route_not_found", "no such endpoint; see /docs")
}

async fn method_not_allowed() -> impl IntoResponse {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not support that method; see /docs",
    )
}
