//! Access control (API.md, "Access control"): which scope each route needs, from one
//! table ([`ROUTES`]), and the middleware that enforces it on every request.
//!
//! The table is keyed by method and *matched route template*, so it is checked against
//! what the router actually dispatched to, never against a raw path a client can shape.
//! A route missing from the table needs `admin` (fail closed), and a test walks every
//! operation of the OpenAPI document to check each answers 401 without a key and 403
//! with a key lacking its scope, so a forgotten route shows up as a failing test.
//!
//! Enforcement is switched on by data, not configuration: as soon as one live key exists,
//! every protected route needs a key. While none exists the API is open, but only when
//! it listens on loopback (start-up refuses otherwise, unless `--insecure-no-auth`), and
//! then only to requests whose `Host` is a loopback name, so a web page cannot reach it
//! by DNS rebinding.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::Arc;

use super::key_cache::KeyCache;
use super::AppState;
use crate::domain::api_key::{ApiKey, Required, Scope};
use crate::error::ApiError;

use Required::Open;
const READ: Required = Required::Scope(Scope::Read);
const TASKS: Required = Required::Scope(Scope::Tasks);
const CALLBACKS: Required = Required::Scope(Scope::Callbacks);
const ADMIN: Required = Required::Scope(Scope::Admin);

/// Every route: method, template, what it needs. `HEAD` is looked up as `GET`.
pub const ROUTES: &[(&str, &str, Required)] = &[
    // Operations and documentation stay open so probes and readers need no key; metrics
    // reveal traffic and callback names, so they need `read`.
    ("GET", "/healthz", Open),
    ("GET", "/readyz", Open),
    ("GET", "/metrics", READ),
    ("GET", "/openapi.json", Open),
    ("GET", "/docs", Open),
    // The console's static files; the console itself sends the user's key to the API.
    ("GET", "/ui", Open),
    ("GET", "/ui/", Open),
    ("GET", "/ui/{file}", Open),
    ("GET", "/v1/tasks", READ),
    ("POST", "/v1/tasks", TASKS),
    ("POST", "/v1/tasks/batch", TASKS),
    ("GET", "/v1/tasks/{task_id}", READ),
    ("PATCH", "/v1/tasks/{task_id}", TASKS),
    ("DELETE", "/v1/tasks/{task_id}", TASKS),
    ("POST", "/v1/tasks/execution-times", TASKS),
    ("POST", "/v1/tasks/pause", TASKS),
    ("POST", "/v1/tasks/resume", TASKS),
    ("POST", "/v1/tasks/delete", TASKS),
    ("POST", "/v1/tasks/retry", TASKS),
    ("GET", "/v1/tasks/{task_id}/attempts", READ),
    ("GET", "/v1/tasks/{task_id}/schedule", READ),
    ("GET", "/v1/tasks/{task_id}/misfires", READ),
    // Computes occurrences and stores nothing: reading, though it is a POST.
    ("POST", "/v1/schedules/preview", READ),
    ("POST", "/v1/tasks/{task_id}/retry", TASKS),
    ("GET", "/v1/stats/tasks", READ),
    ("GET", "/v1/stats/deliveries", READ),
    ("GET", "/v1/callbacks", READ),
    ("GET", "/v1/callbacks/{name}", READ),
    ("PUT", "/v1/callbacks/{name}", CALLBACKS),
    ("DELETE", "/v1/callbacks/{name}", CALLBACKS),
    ("POST", "/v1/callbacks/{name}/rotate-secret", CALLBACKS),
    ("POST", "/v1/callbacks/{name}/enable", CALLBACKS),
    ("GET", "/v1/keys", ADMIN),
    ("POST", "/v1/keys", ADMIN),
    ("DELETE", "/v1/keys/{id}", ADMIN),
];

/// What a request to `template` with `method` needs. Unknown routes need `admin`.
pub fn required(method: &Method, template: &str) -> Required {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    let find = |template: &str| {
        ROUTES
            .iter()
            .find(|(m, t, _)| *m == method && *t == template)
            .map(|(_, _, needed)| *needed)
    };
    find(template)
        .or_else(|| {
            // `/v1/tasks/batch` etc. also answer `GET`/`PATCH`/`DELETE` for the task with
            // that id (see `shadowed_task_routes`): the same as any task id.
            let segment = template.strip_prefix("/v1/tasks/")?;
            super::TASK_IDS_SHADOWED_BY_ROUTES
                .contains(&segment)
                .then(|| find("/v1/tasks/{task_id}"))
                .flatten()
        })
        .unwrap_or(ADMIN)
}

/// The process's access-control settings and its key cache.
pub struct Auth {
    /// The API listens on a loopback address only.
    pub loopback: bool,
    /// `--insecure-no-auth`: open without keys even on a non-loopback address.
    pub insecure_no_auth: bool,
    pub keys: Arc<KeyCache>,
}

/// Whether a `Host` header names this machine's loopback: `localhost`, `127.x.y.z` or
/// `[::1]`, with any port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn unauthorized(detail: &str) -> Response {
    let mut response =
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// The middleware: answers 401/403 itself, or passes the request on.
pub async fn enforce(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Unmatched paths answer 404 to anyone with a key; without one they need `read`, so
    // an anonymous caller learns nothing about which routes exist.
    let needed = match request.extensions().get::<MatchedPath>() {
        Some(path) => required(request.method(), path.as_str()),
        None => READ,
    };
    let Required::Scope(scope) = needed else {
        return next.run(request).await;
    };
    let auth = &state.auth;
    let enforced = match auth.keys.any_live().await {
        Ok(enforced) => enforced,
        Err(error) => return ApiError::from(error).into_response(),
    };
    if !enforced {
        if auth.loopback {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .or_else(|| request.uri().authority().map(|a| a.as_str()));
            if !host.is_some_and(is_loopback_host) {
                return ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden_host",
                    "auth is off (no API key exists), so only requests addressed to a loopback \
                     host name (localhost, 127.0.0.1, [::1]) are served",
                )
                .into_response();
            }
            return next.run(request).await;
        }
        if auth.insecure_no_auth {
            return next.run(request).await;
        }
        // Non-loopback with every key revoked or expired since start-up: stay closed.
        return unauthorized("no API key is live; create one with `taskshed keys create`");
    }
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return unauthorized("this endpoint needs an API key: `Authorization: Bearer tsk_…`");
    };
    let Ok(key) = value
        .to_str()
        .map_err(|_| ())
        .and_then(|v| ApiKey::from_authorization(v).map_err(|_| ()))
    else {
        return unauthorized("the Authorization header is not `Bearer tsk_…`");
    };
    let known = match auth.keys.lookup(&key.digest(), chrono::Utc::now()).await {
        Ok(known) => known,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let Some(known) = known else {
        return unauthorized("the API key is unknown, expired or revoked");
    };
    if !needed.is_met_by(Some(&known.scopes)) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this operation needs the `{scope}` scope"),
        )
        .into_response();
    }
    next.run(request).await
}

/// Declares the `bearer` security scheme the API keys use.
pub struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key, `tsk_…`, as `Authorization: Bearer <key>`. Needed once \
                         any key exists; each operation names the scope it needs.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Marks every operation that needs a scope, from the same table the middleware
/// enforces ([`ROUTES`]): its security requirement, its 401/403 answers, and a
/// sentence naming the scope.
pub fn describe_access(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::IntoResponses;
    let auth_responses = super::responses::AuthErrors::responses();
    for (path, item) in doc.paths.paths.iter_mut() {
        let operations = [
            (axum::http::Method::GET, &mut item.get),
            (axum::http::Method::POST, &mut item.post),
            (axum::http::Method::PUT, &mut item.put),
            (axum::http::Method::PATCH, &mut item.patch),
            (axum::http::Method::DELETE, &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let crate::domain::api_key::Required::Scope(scope) = required(&method, path) else {
                continue;
            };
            operation.security = Some(vec![SecurityRequirement::new::<_, _, &str>("bearer", [])]);
            for (status, response) in &auth_responses {
                operation
                    .responses
                    .responses
                    .insert(status.clone(), response.clone());
            }
            let note = format!("Needs an API key with the `{scope}` scope (or one implying it).");
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{note}"),
                _ => note,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1",
            "127.0.0.1:9",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "example.com",
            "localhost.evil.com",
            "10.0.0.1:8080",
            "[::2]:80",
            "0.0.0.0",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn unknown_routes_need_admin_and_shadowed_ids_behave_as_task_ids() {
        assert_eq!(required(&Method::GET, "/v1/nothing"), ADMIN);
        assert_eq!(required(&Method::POST, "/v1/tasks/{task_id}"), ADMIN);
        assert_eq!(required(&Method::HEAD, "/v1/tasks"), READ);
        assert_eq!(required(&Method::GET, "/v1/tasks/batch"), READ);
        assert_eq!(required(&Method::DELETE, "/v1/tasks/pause"), TASKS);
        assert_eq!(required(&Method::POST, "/v1/tasks/batch"), TASKS);
    }
}
