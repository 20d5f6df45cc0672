//! Request-body, path and query-string extraction that answers every failure with
//! problem+json: wrong content type → 415, body over the limit → 413, malformed JSON → 400,
//! well-formed but wrong shape (unknown field, wrong type) → 422 naming the field, a path
//! segment that is not UTF-8 once decoded → 422 naming the parameter.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A JSON request body, decoded with the rules above.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the request body must be JSON, sent with `content-type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the request body is larger than the server's limit (a batch: --max-body-bytes; \
                     any other: --max-kwargs-bytes + 64 KiB)",
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unreadable_body",
                    format!("the request body could not be read: {rejection}"),
                )
            }
        })?;
        decode_json(&bytes).map(ApiJson)
    }
}

/// Path parameters; axum's own rejection is a `text/plain` body, which clients of a
/// problem+json API should never see.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(error)) => match error.kind() {
                ErrorKind::InvalidUtf8InPathParam { key } => {
                    Err(ApiError::validation(vec![FieldError::new(
                        key.as_str(),
                        "is not valid UTF-8 once percent-decoded; allowed characters are \
                         A-Z a-z 0-9 . _ ~ : -",
                    )]))
                }
                _ => Err(ApiError::internal(error.body_text())),
            },
            Err(rejection) => Err(ApiError::internal(rejection.body_text())),
        }
    }
}

fn has_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || (essence.len() > 17
            && essence[..12].eq_ignore_ascii_case("application/")
            && essence.to_ascii_lowercase().ends_with("+json"))
}

/// Decodes JSON, telling syntax errors (400) from shape errors (422 with the field path).
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Check the syntax of the whole body first: a shape error early in a body that is not
    // JSON at all (e.g. `{"typo": 1,}`) must still be a 400, not a 422.
    serde_json::from_slice::<&serde_json::value::RawValue>(bytes)
        .map_err(|error| classify(String::new(), error))?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| classify(error.path().to_string(), error.into_inner()))?;
    deserializer
        .end()
        .map_err(|error| classify(String::new(), error))?;
    Ok(value)
}

fn classify(path: String, error: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => {
            let field = if path.is_empty() || path == "." {
                "body".to_owned()
            } else {
                path
            };
            ApiError::validation(vec![FieldError::new(field, strip_position(&error))])
        }
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the request body is not valid JSON: {error}"),
        ),
    }
}

/// serde_json appends " at line L column C" to data errors; the field path says more.
fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Query-string pairs in order, keeping repeated keys (`task_id=a&task_id=b`).
pub fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default()).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_query",
            format!("the query string could not be parsed: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
        kwargs: Option<Box<serde_json::value::RawValue>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Batch {
        tasks: Vec<Item>,
    }

    #[test]
    fn syntax_errors_are_400_and_shape_errors_name_the_field() {
        let err = decode_json::<Batch>(b"{\"tasks\": [").unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        let err = decode_json::<Batch>(br#"{"tasks": [{"name": "a"}, {"name": "b", "typo": 1}]}"#)
            .unwrap_err();
        assert_eq!(err.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err.errors[0].field, "tasks[1].typo");
        let err = decode_json::<Batch>(br#"{"tasks": [{"name": 5}]}"#).unwrap_err();
        assert_eq!(err.errors[0].field, "tasks[0].name");
    }

    #[test]
    fn raw_kwargs_keep_their_exact_bytes() {
        let batch: Batch =
            decode_json(br#"{"tasks": [{"name": "a", "kwargs": {"b":1,  "a" : 2.50}}]}"#).unwrap();
        assert_eq!(
            batch.tasks[0].kwargs.as_ref().unwrap().get(),
            r#"{"b":1,  "a" : 2.50}"#
        );
    }

    #[test]
    fn trailing_garbage_is_malformed() {
        let err = decode_json::<Batch>(br#"{"tasks": []} x"#).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn repeated_query_keys_are_kept() {
        let pairs = query_pairs(Some("task_id=a&task_id=b&limit=2")).unwrap();
        assert_eq!(pairs.len(), 3);
    }
}
