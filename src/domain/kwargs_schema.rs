//! A callback's kwargs contract: an optional JSON Schema (draft 2020-12) that the `kwargs`
//! of its tasks must satisfy when a task is created or its kwargs are changed.
//!
//! Three things live here, none of them doing I/O:
//! - [`compile`]: the schema text a client registers → a validator, or why it is refused.
//!   Only the `jsonschema` crate's local features are built in (no `$ref` to files or
//!   URLs: a schema can never make the server fetch anything), and `pattern` runs on the
//!   linear-time `regex` engine, so a client-supplied pattern cannot backtrack for ever.
//! - [`KwargsSchema::check`]: one task's kwargs against it, each failure named by its path
//!   inside kwargs (`user_id`, `items[2].sku`), which the API prefixes (`tasks[3].kwargs.`).
//! - [`SchemaCache`]: compiling costs far more than validating, and task creation is the
//!   hot path (a 1,000-task batch against one callback), so each callback's validator is
//!   compiled once per schema version and shared. The version is the stored schema text
//!   itself, read with the callback in a statement of the create: a schema changed on
//!   another instance is seen by the next create here, with no invalidation protocol to
//!   get wrong. Which callbacks have a schema is also a hint for group commit
//!   ([`SchemaCache::has_schema`]), which the database double-checks.

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{PatternOptions, Validator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Most failures reported for one task: enough to fix a payload, not a flood.
const MAX_ERRORS_PER_TASK: usize = 10;

/// Most callbacks whose validator is kept; beyond that the cache starts again (a
/// deployment has far fewer callbacks with schemas than this).
const MAX_CACHED: usize = 10_000;

/// A compiled kwargs schema.
pub struct KwargsSchema {
    validator: Validator,
}

/// One kwargs failure: where inside kwargs (empty for the object itself) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KwargsViolation {
    pub path: String,
    pub message: String,
}

/// Compiles a schema (the JSON text as registered). The message on failure is fit for a
/// 422 on the field `kwargs_schema`.
pub fn compile(text: &str) -> Result<KwargsSchema, String> {
    let schema: Value =
        serde_json::from_str(text).map_err(|e| format!("is not valid JSON ({e})"))?;
    if !matches!(schema, Value::Object(_) | Value::Bool(_)) {
        return Err("must be a JSON Schema: an object (or true / false)".into());
    }
    let validator = jsonschema::draft202012::options()
        .with_pattern_options(PatternOptions::regex())
        .build(&schema)
        .map_err(|e| {
            let at = e.instance_path().as_str();
            if at.is_empty() {
                format!("is not a valid JSON Schema (draft 2020-12): {e}")
            } else {
                format!("is not a valid JSON Schema (draft 2020-12) at {at}: {e}")
            }
        })?;
    Ok(KwargsSchema { validator })
}

impl KwargsSchema {
    /// Checks one task's kwargs (well-formed JSON text, already checked to be an object).
    pub fn check(&self, kwargs: &str) -> Result<(), Vec<KwargsViolation>> {
        let Ok(instance) = serde_json::from_str::<Value>(kwargs) else {
            // `check_kwargs` parsed it before; unreachable in practice, refused if not.
            return Err(vec![KwargsViolation {
                path: String::new(),
                message: "is not valid JSON".into(),
            }]);
        };
        if self.validator.is_valid(&instance) {
            return Ok(());
        }
        let violations: Vec<KwargsViolation> = self
            .validator
            .iter_errors(&instance)
            .take(MAX_ERRORS_PER_TASK)
            .map(|error| {
                let mut path = dotted(error.instance_path().segments());
                // A missing property is named by where it should be, not by its parent.
                if let ValidationErrorKind::Required { property } = error.kind() {
                    if let Some(name) = property.as_str() {
                        path = join(&path, name);
                    }
                }
                KwargsViolation {
                    path,
                    message: error.to_string(),
                }
            })
            .collect();
        Err(violations)
    }
}

/// `/items/2/sku` → `items[2].sku`.
fn dotted<'a>(segments: impl Iterator<Item = LocationSegment<'a>>) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            LocationSegment::Property(name) => path = join(&path, &name),
            LocationSegment::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Callback name → (the schema text, its compiled form).
type ByCallback = HashMap<String, (Arc<str>, Arc<KwargsSchema>)>;

/// Compiled schemas by callback name, each with the text it was compiled from.
#[derive(Default)]
pub struct SchemaCache {
    by_callback: Mutex<ByCallback>,
}

impl SchemaCache {
    /// The validator for `callback`'s schema as stored now (`text`), compiled on first use
    /// of that text. A stored schema was compiled when it was registered, so failing here
    /// means the row was edited by hand; the message says so.
    pub fn get(&self, callback: &str, text: &str) -> Result<Arc<KwargsSchema>, String> {
        if let Some((cached_text, schema)) = self.lock().get(callback) {
            if cached_text.as_ref() == text {
                return Ok(schema.clone());
            }
        }
        // Compiled outside the lock: another create may compile the same text meanwhile,
        // which costs a little work once and is harmless.
        let schema =
            Arc::new(compile(text).map_err(|why| {
                format!("the stored kwargs_schema of callback {callback:?} {why}")
            })?);
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(callback.to_owned(), (Arc::from(text), schema.clone()));
        Ok(schema)
    }

    /// Whether `callback` had a schema when this instance last read it. Only a hint: group
    /// commit writes the others on the condition that they still have none.
    pub fn has_schema(&self, callback: &str) -> bool {
        self.lock().contains_key(callback)
    }

    /// `callback` was read without a schema.
    pub fn forget(&self, callback: &str) {
        self.lock().remove(callback);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ByCallback> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.by_callback
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{"type": "object", "required": ["user_id"],
        "properties": {"user_id": {"type": "integer"},
                       "items": {"type": "array", "items": {"type": "object",
                                 "properties": {"sku": {"type": "string"}}}}},
        "additionalProperties": false}"#;

    #[test]
    fn valid_kwargs_pass() {
        let schema = compile(USER).unwrap();
        assert!(schema.check(r#"{"user_id": 42}"#).is_ok());
        assert!(schema
            .check(r#"{"user_id": 1, "items": [{"sku": "a"}]}"#)
            .is_ok());
    }

    #[test]
    fn failures_name_the_path_inside_kwargs() {
        let schema = compile(USER).unwrap();
        let paths = |kwargs: &str| -> Vec<String> {
            schema
                .check(kwargs)
                .unwrap_err()
                .into_iter()
                .map(|v| v.path)
                .collect()
        };
        assert_eq!(paths(r#"{"user_id": "x"}"#), ["user_id"]);
        assert_eq!(paths("{}"), ["user_id"]);
        assert_eq!(
            paths(r#"{"user_id": 1, "items": [{"sku": "a"}, {"sku": 5}]}"#),
            ["items[1].sku"]
        );
        assert_eq!(paths(r#"{"user_id": 1, "extra": 1}"#), [""]);
    }

    #[test]
    fn invalid_schemas_are_refused() {
        for bad in [
            r#"{"type": "no-such-type"}"#,
            r#"{"minimum": "ten"}"#,
            r#"{"pattern": "("}"#,
            r#"{"$ref": "https://example.com/schema.json"}"#,
            r#"{"$ref": "file:///etc/passwd"}"#,
            "[]",
            "42",
        ] {
            assert!(compile(bad).is_err(), "{bad} accepted");
        }
        assert!(compile("true").is_ok());
        assert!(compile(
            r##"{"$defs": {"id": {"type": "integer"}},
                             "properties": {"a": {"$ref": "#/$defs/id"}}}"##
        )
        .is_ok());
    }

    #[test]
    fn the_cache_compiles_once_per_text() {
        let cache = SchemaCache::default();
        let a = cache.get("cb", USER).unwrap();
        let b = cache.get("cb", USER).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let c = cache.get("cb", r#"{"type": "object"}"#).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(c.check(r#"{"anything": 1}"#).is_ok());
        assert!(cache.get("cb", "{").is_err());
    }
}
