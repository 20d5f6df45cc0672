//! The Callbacks resource: the worker's callback map, over HTTP.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;

use super::callback_dto::{
    Callback, CallbackPage, CallbackSpec, RegisteredCallback, RotateSecretSpec, RotatedSecret,
};
use super::json::{ApiJson, ApiPath};
use super::pagination::{next_cursor, PageRequest};
use super::responses::{JsonBodyErrors, ServerErrors};
use super::AppState;
use crate::domain::egress::check_url_host;
use crate::domain::ids::Id;
use crate::domain::time::format_instant;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::store::callbacks::{self as store, DeleteCallback};

fn name_param(raw: &str) -> ApiResult<Id> {
    Id::parse(raw).map_err(|m| ApiError::validation(vec![FieldError::new("name", m)]))
}

fn callback_not_found(name: &str) -> ApiError {
    ApiError::not_found("callback_not_found", format!("no callback named {name:?}"))
}

/// Register or replace a callback.
///
/// Pending tasks resolve the callback at each attempt, so a new URL, timeout or secret
/// applies to them at once. The answer carries the signing secret only when this request
/// set it (given, or generated for a new callback); no other answer ever contains it, and
/// static header values always come back as `"[redacted]"`.
///
/// A `url` whose host is a literal IP address the egress policy refuses (`--egress`:
/// link-local and metadata addresses always, loopback and private networks under
/// `public`) is answered 422 `egress_denied`, naming the range and why. Host names are
/// checked at every delivery, on each address they resolve to.
#[utoipa::path(put, path = "/v1/callbacks/{name}", tag = "callbacks",
    params(("name" = String, Path, description = "The callback's name")),
    request_body = CallbackSpec,
    responses(
        (status = 201, description = "Registered", body = RegisteredCallback),
        (status = 200, description = "Replaced", body = RegisteredCallback),
        (status = 422, description = "Invalid callback (`validation_failed`), or a `url` whose literal IP address the egress policy refuses (`egress_denied`)", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn register_callback(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(spec): ApiJson<CallbackSpec>,
) -> ApiResult<(StatusCode, Json<RegisteredCallback>)> {
    let name = name_param(&name)?;
    let registration = spec.into_registration(name).map_err(ApiError::validation)?;
    // A literal IP is judged now; a host name at every connect (DNS may change).
    check_url_host(registration.callback.url.as_url(), &state.egress)
        .map_err(|denied| ApiError::invalid_field("egress_denied", "url", denied.to_string()))?;
    let secret_given = registration.secret_given;
    let on_failure = registration.failure.on_failure.clone();
    let (stored, created) = store::upsert_callback(&state.pool, &state.at_rest, &registration)
        .await
        .map_err(|error| match on_failure {
            Some(target) if store::violates_on_failure_reference(&error) => {
                ApiError::validation(vec![FieldError::new(
                    "on_failure",
                    format!("no callback named {:?} is registered", target.as_str()),
                )])
            }
            _ => ApiError::from(error),
        })?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let secret_set = secret_given || created;
    Ok((status, Json(RegisteredCallback::new(stored, secret_set))))
}

/// List callbacks, in name order, without their signing secrets; header values are
/// `"[redacted]"`.
#[utoipa::path(get, path = "/v1/callbacks", tag = "callbacks",
    params(
        ("limit" = Option<i64>, Query, description = "Page size, 1–1000 (default 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of callbacks", body = CallbackPage),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn list_callbacks(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<CallbackPage>> {
    let page = PageRequest::from_query(query.as_deref())?;
    let (rows, more) = store::list_callbacks(
        &state.pool,
        &state.at_rest,
        page.after.as_deref(),
        page.limit,
    )
    .await?;
    let next_cursor = next_cursor(more, rows.last().map(|r| r.callback.name.as_str()));
    Ok(Json(CallbackPage {
        callbacks: rows.into_iter().map(Callback::from).collect(),
        next_cursor,
    }))
}

/// Get one callback, without its signing secret; header values are `"[redacted]"`.
///
/// Only this answer carries `flow`: the callback's flow state over all instances (in
/// flight, effective concurrency, held until).
#[utoipa::path(get, path = "/v1/callbacks/{name}", tag = "callbacks",
    params(("name" = String, Path, description = "The callback's name")),
    responses(
        (status = 200, description = "The callback", body = Callback),
        (status = 404, description = "`callback_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed name", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn get_callback(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Callback>> {
    let name = name_param(&name)?;
    let row = store::get_callback(&state.pool, &state.at_rest, name.as_str())
        .await?
        .ok_or_else(|| callback_not_found(name.as_str()))?;
    let flow = crate::store::flow::flow_state(&state.pool, name.as_str()).await?;
    let mut callback = Callback::from(row);
    callback.flow = flow.map(Into::into);
    Ok(Json(callback))
}

/// Delete a callback; refused (409 `callback_in_use`) while unfinished tasks use it, or
/// while another callback names it as `on_failure` (re-point or clear theirs first).
#[utoipa::path(delete, path = "/v1/callbacks/{name}", tag = "callbacks",
    params(("name" = String, Path, description = "The callback's name")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`callback_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`callback_in_use`: unfinished tasks still use it, or other callbacks name it as `on_failure`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed name", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn delete_callback(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    let name = name_param(&name)?;
    let deleted = store::delete_callback(&state.pool, name.as_str())
        .await
        .map_err(|error| {
            if store::violates_on_failure_reference(&error) {
                named_by_others(name.as_str(), "another callback")
            } else {
                ApiError::from(error)
            }
        })?;
    match deleted {
        DeleteCallback::Deleted => Ok(StatusCode::NO_CONTENT),
        DeleteCallback::InUse(n) => Err(ApiError::conflict(
            "callback_in_use",
            format!(
                "{n} unfinished task(s) still use callback {:?}",
                name.as_str()
            ),
        )),
        DeleteCallback::NamedByOthers(names) => {
            let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
            Err(named_by_others(
                name.as_str(),
                &format!("callback(s) {}", names.join(", ")),
            ))
        }
        DeleteCallback::NotFound => Err(callback_not_found(name.as_str())),
    }
}

fn named_by_others(name: &str, who: &str) -> ApiError {
    ApiError::conflict(
        "callback_in_use",
        format!("{who} name {name:?} as on_failure; change their on_failure first"),
    )
}

/// Enable a callback that `disable_after` disabled.
///
/// Clears `disabled_at` and `disabled_reason`, and `failing_since` too, so the next
/// failure starts a fresh `disable_after` window. Its waiting tasks are claimed at once.
/// On a callback that is not disabled it only restarts that window.
#[utoipa::path(post, path = "/v1/callbacks/{name}/enable", tag = "callbacks",
    params(("name" = String, Path, description = "The callback's name")),
    responses(
        (status = 200, description = "Enabled", body = Callback),
        (status = 404, description = "`callback_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Malformed name", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn enable_callback(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Callback>> {
    let name = name_param(&name)?;
    let stored = store::enable_callback(&state.pool, &state.at_rest, name.as_str())
        .await?
        .ok_or_else(|| callback_not_found(name.as_str()))?;
    Ok(Json(stored.into()))
}

/// Rotate the signing secret, keeping the old one for a grace period.
///
/// The new secret (given, or generated) signs at once; until `previous_expires_at` every
/// delivery carries two signatures, new first: `webhook-signature: v1,<new> v1,<old>`, so
/// receivers can switch secrets without rejecting a delivery. A secret still in grace from
/// an earlier rotation stops signing. This answer is the only one that shows the new secret.
#[utoipa::path(post, path = "/v1/callbacks/{name}/rotate-secret", tag = "callbacks",
    params(("name" = String, Path, description = "The callback's name")),
    request_body = RotateSecretSpec,
    responses(
        (status = 200, description = "Rotated", body = RotatedSecret),
        (status = 404, description = "`callback_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid secret or grace period", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    ApiJson(spec): ApiJson<RotateSecretSpec>,
) -> ApiResult<Json<RotatedSecret>> {
    let name = name_param(&name)?;
    let (secret, grace) = spec.into_rotation().map_err(ApiError::validation)?;
    let expires_at =
        store::rotate_secret(&state.pool, &state.at_rest, name.as_str(), &secret, grace)
            .await?
            .ok_or_else(|| callback_not_found(name.as_str()))?;
    Ok(Json(RotatedSecret {
        secret: secret.as_str().to_owned(),
        previous_expires_at: format_instant(&expires_at),
    }))
}
