//! The web console at `/ui`: a static page (HTML, CSS, JavaScript modules) compiled into
//! the binary, so it works offline and needs no build step or CDN.
//!
//! The console is a client of the public API and nothing more: the browser calls
//! `/v1/...` with the operator's key like any other client, so it can show nothing an API
//! client could not see, and it needs no route, query or privilege of its own. That is
//! why this module only serves files and carries no state.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::error::ApiError;

/// The embedded files: name under `/ui/`, content type, bytes.
const ASSETS: [(&str, &str, &str); 4] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../../ui/index.html"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../../ui/console.css"),
    ),
    (
        "api.js",
        "text/javascript; charset=utf-8",
        include_str!("../../ui/api.js"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("../../ui/console.js"),
    ),
];

/// Only our own files and our own API: a page that runs no foreign or inline code cannot
/// leak the operator's key to anyone.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'self'";

/// `GET /ui` (the page) and `GET /ui/{file}` (its assets). Not in the OpenAPI document:
/// it is not part of the API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ui", get(|| async { asset("index.html") }))
        // The page names its assets by absolute path, so `/ui` is the one canonical URL.
        .route("/ui/", get(|| async { Redirect::permanent("/ui") }))
        .route(
            "/ui/{file}",
            get(|Path(file): Path<String>| async move { asset(&file) }),
        )
}

fn asset(name: &str) -> Response {
    let Some((_, content_type, body)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return ApiError::not_found("route_not_found", "no such console file; open /ui")
            .into_response();
    };
    let mut response = (StatusCode::OK, *body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The files change with the binary; `no-cache` revalidates on every load so an
    // upgraded server never runs against a stale script left in the browser.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
