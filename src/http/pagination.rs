//! `limit` and `cursor` query parameters shared by every list endpoint.

use crate::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// A validated page request: how many, and after which key.
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageRequest {
    /// Reads a query string that may hold only `limit` and `cursor`.
    pub fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs = super::json::query_pairs(query)?;
        let (mut limit, mut cursor) = (None, None);
        for (key, value) in &pairs {
            match key.as_str() {
                "limit" => limit = Some(value.as_str()),
                "cursor" => cursor = Some(value.as_str()),
                other => {
                    return Err(ApiError::validation(vec![FieldError::new(
                        other,
                        "is not a known query parameter",
                    )]))
                }
            }
        }
        Self::parse(limit, cursor)
    }

    /// Reads `limit` (1–1000, default 100) and `cursor` from raw values.
    pub fn parse(limit: Option<&str>, cursor_text: Option<&str>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    errors.push(FieldError::new(
                        "limit",
                        format!("must be a whole number from 1 to {MAX_LIMIT}"),
                    ));
                    DEFAULT_LIMIT
                }
            },
        };
        let after = match cursor_text {
            None | Some("") => None,
            Some(raw) => match cursor::decode(raw) {
                Some(key) => Some(key),
                None => {
                    errors.push(FieldError::new(
                        "cursor",
                        "is not a cursor returned by this endpoint",
                    ));
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Self { limit, after })
        } else {
            Err(ApiError::validation(errors))
        }
    }

    /// The cursor's key as a row id, for lists keyed by a numeric id (attempts,
    /// misfires): a well-formed cursor that does not hold a number is just as forged.
    pub fn after_id(&self) -> Result<Option<i64>, ApiError> {
        self.after
            .as_deref()
            .map(|key| {
                key.parse::<i64>().map_err(|_| {
                    ApiError::validation(vec![FieldError::new(
                        "cursor",
                        "is not a cursor returned by this endpoint",
                    )])
                })
            })
            .transpose()
    }
}

/// The cursor for the page after one whose last key is `last`, if more follow.
pub fn next_cursor(more: bool, last: Option<&str>) -> Option<String> {
    if more {
        last.map(cursor::encode)
    } else {
        None
    }
}

/// Opaque pagination cursors: the last key of the previous page, hex-encoded so clients
/// don't come to depend on its shape.
///
/// Every key a list pages by is an id (attempt numbers are digits, also id characters), so
/// a decoded cursor must be one: a forged cursor holding a NUL byte or any other character
/// PostgreSQL refuses in text would otherwise reach SQL and come back as a 500.
mod cursor {
    use crate::domain::ids::Id;

    pub fn encode(key: &str) -> String {
        key.bytes().map(|b| format!("{b:02x}")).collect()
    }

    pub fn decode(cursor: &str) -> Option<String> {
        if cursor.len() % 2 != 0 || cursor.is_empty() {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..cursor.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
            .collect();
        String::from_utf8(bytes?)
            .ok()
            .filter(|key| Id::parse(key).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::cursor;

    #[test]
    fn cursors_round_trip_and_forged_ones_are_refused() {
        for key in ["a", "task-1.x_y~z:w", "12345"] {
            assert_eq!(cursor::decode(&cursor::encode(key)).as_deref(), Some(key));
        }
        // NUL, a control byte, a space, invalid UTF-8, odd length, not hex.
        for forged in ["00", "1f", "20", "ff", "616", "zz", ""] {
            assert_eq!(cursor::decode(forged), None, "{forged}");
        }
    }
}
