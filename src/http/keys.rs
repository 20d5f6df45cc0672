//! The API keys resource (`/v1/keys`, scope `admin`): create a key (its text shown once,
//! in that answer), list keys (metadata only, never key material), revoke one.
//!
//! [`create_key`] is also what `taskshed keys create` runs, so the command line and the
//! API accept exactly the same keys.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;

use super::json::{ApiJson, ApiPath};
use super::pagination::{next_cursor, PageRequest};
use super::responses::{JsonBodyErrors, ServerErrors};
use super::AppState;
use crate::domain::api_key::{ApiKey, Scope};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::store::api_keys::{self as store, KeyRow};

const MAX_NAME_CHARS: usize = 100;

/// A key to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "billing-service", "scopes": ["tasks"], "expires_at": "2027-01-01T00:00:00Z"}))]
pub struct CreateKeyRequest {
    /// Who or what the key is for: 1–100 characters, no control characters.
    pub name: String,
    /// At least one of `read`, `tasks`, `callbacks`, `admin`.
    pub scopes: Vec<String>,
    /// When the key stops working (RFC 3339 with offset, in the future); absent: never.
    #[schema(format = DateTime, nullable = false)]
    pub expires_at: Option<String>,
}

/// A key's metadata. Never its text: that is shown once, when it is created.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    #[schema(example = json!(["read"]))]
    pub scopes: Vec<String>,
    #[schema(format = DateTime)]
    pub expires_at: Option<DateTime<Utc>>,
    #[schema(format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// When the key was last presented; written a few seconds late, in batches.
    #[schema(format = DateTime)]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new key: its text (shown only here) and its metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key, `tsk_…`; send it as `Authorization: Bearer <key>`. Store it now: only its
    /// SHA-256 is kept.
    pub key: String,
    #[serde(flatten)]
    pub info: ApiKeyInfo,
}

/// A page of keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyPage {
    pub keys: Vec<ApiKeyInfo>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl From<KeyRow> for ApiKeyInfo {
    fn from(row: KeyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            scopes: row.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            expires_at: row.expires_at,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// A checked [`CreateKeyRequest`].
struct NewKey {
    name: String,
    scopes: Vec<Scope>,
    expires_at: Option<DateTime<Utc>>,
}

impl CreateKeyRequest {
    /// Every rule at once, so one 422 lists every bad field. `now` decides "in the past".
    fn check(self, now: DateTime<Utc>) -> Result<NewKey, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name_chars = self.name.chars().count();
        if self.name.trim().is_empty() || name_chars > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters, not all blank"),
            ));
        } else if self.name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "name",
                "must not contain control characters",
            ));
        }
        if self.scopes.is_empty() {
            errors.push(FieldError::new(
                "scopes",
                "must name at least one of read, tasks, callbacks, admin",
            ));
        }
        let mut scopes = Vec::new();
        for (i, raw) in self.scopes.iter().enumerate() {
            match raw.parse::<Scope>() {
                Ok(scope) if !scopes.contains(&scope) => scopes.push(scope),
                Ok(_) => {}
                Err(message) => errors.push(FieldError::new(format!("scopes[{i}]"), message)),
            }
        }
        let expires_at = match self.expires_at.as_deref() {
            None => None,
            Some(raw) => match DateTime::parse_from_rfc3339(raw) {
                Ok(at) if at.with_timezone(&Utc) > now => Some(at.with_timezone(&Utc)),
                Ok(_) => {
                    errors.push(FieldError::new("expires_at", "must be in the future"));
                    None
                }
                Err(_) => {
                    errors.push(FieldError::new(
                        "expires_at",
                        format!("{raw:?} is not an RFC 3339 date-time with an offset"),
                    ));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(NewKey {
                name: self.name,
                scopes,
                expires_at,
            })
        } else {
            Err(errors)
        }
    }
}

/// Checks and stores a new key; the API handler and `taskshed keys create` both call it.
pub async fn create_key(pool: &PgPool, request: CreateKeyRequest) -> ApiResult<CreatedKey> {
    let new = request.check(Utc::now()).map_err(ApiError::validation)?;
    let key = ApiKey::generate();
    let id = crate::domain::ids::random_uuid_hex();
    let row = store::insert_key(
        pool,
        &id,
        &new.name,
        &key.digest(),
        &new.scopes,
        new.expires_at,
    )
    .await?;
    Ok(CreatedKey {
        key: key.expose().to_owned(),
        info: row.into(),
    })
}

/// Create an API key.
///
/// The answer is the only time the key's text is shown; only its SHA-256 is stored. The
/// first live key turns authentication on for every `/v1` route.
#[utoipa::path(post, path = "/v1/keys", tag = "keys",
    request_body = CreateKeyRequest,
    responses(
        (status = 201, description = "Created; `key` is shown only here", body = CreatedKey),
        (status = 422, description = "Invalid name, scopes or expires_at", body = Problem, content_type = "application/problem+json"),
        JsonBodyErrors,
        ServerErrors,
    ))]
pub async fn post_key(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateKeyRequest>,
) -> ApiResult<(StatusCode, Json<CreatedKey>)> {
    let created = create_key(&state.pool, request).await?;
    // This instance enforces at once; the others within the cache's bound.
    state.auth.keys.forget();
    Ok((StatusCode::CREATED, Json(created)))
}

/// List API keys that are not revoked, in id order. Never shows key material.
#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    params(
        ("limit" = Option<i64>, Query, description = "Page size, 1–1000 (default 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of keys", body = KeyPage),
        (status = 422, description = "Invalid parameter", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn list_keys(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<KeyPage>> {
    let page = PageRequest::from_query(query.as_deref())?;
    // Key ids are hex; anything else could not come from this endpoint's cursors (and a
    // NUL byte must never reach PostgreSQL).
    if let Some(after) = &page.after {
        if !after.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiError::validation(vec![FieldError::new(
                "cursor",
                "is not a cursor returned by this endpoint",
            )]));
        }
    }
    let (rows, more) = store::list_keys(&state.pool, page.after.as_deref(), page.limit).await?;
    let next_cursor = next_cursor(more, rows.last().map(|r| r.id.as_str()));
    Ok(Json(KeyPage {
        keys: rows.into_iter().map(ApiKeyInfo::from).collect(),
        next_cursor,
    }))
}

/// Revoke an API key. It stops working on every instance within 2 seconds.
#[utoipa::path(delete, path = "/v1/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "`key_not_found`", body = Problem, content_type = "application/problem+json"),
        ServerErrors,
    ))]
pub async fn delete_key(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    // Ids are 32 hex digits; anything else is not a key (and a NUL byte must never reach
    // PostgreSQL).
    let plausible = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
    if plausible && store::revoke_key(&state.pool, &id).await? {
        state.auth.keys.forget();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "key_not_found",
            format!("no key with id {id:?}"),
        ))
    }
}
