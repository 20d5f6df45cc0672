//! Task `kwargs`: a JSON object, kept byte for byte as the client sent it.

/// Checks that `raw` (already known to be well-formed JSON) is an object that PostgreSQL
/// and receivers can take: `\u0000` is refused because PostgreSQL text cannot hold NUL and
/// most webhook receivers choke on it.
pub fn check_kwargs(raw: &str) -> Result<(), String> {
    if !raw.trim_start().starts_with('{') {
        return Err("must be a JSON object".into());
    }
    if contains_escaped_nul(raw) {
        return Err("must not contain \\u0000 (NUL characters)".into());
    }
    // Well-formed is not enough: the same bytes go back in API responses and to webhook
    // receivers, so refuse what common strict parsers reject (lone UTF-16 surrogates,
    // numbers beyond a double such as 1e999, nesting deeper than 128).
    serde_json::from_str::<serde_json::Value>(raw).map_err(|error| {
        let text = error.to_string();
        let text = text.split(" at line ").next().unwrap_or_default();
        format!("is not interoperable JSON: {text}")
    })?;
    Ok(())
}

/// Scans escapes only, so `\\u0000` (an escaped backslash, then text) is not a NUL.
fn contains_escaped_nul(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'u') && bytes.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_pass_and_other_json_fails() {
        assert!(check_kwargs(r#"{"a": 1}"#).is_ok());
        assert!(check_kwargs(" {}").is_ok());
        for bad in ["[]", "1", "\"x\"", "null", "true"] {
            assert!(check_kwargs(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn nul_escapes_are_refused_but_escaped_backslashes_are_not() {
        assert!(check_kwargs(r#"{"a": "x\u0000"}"#).is_err());
        assert!(check_kwargs(r#"{"\u0000": 1}"#).is_err());
        assert!(check_kwargs(r#"{"a": "\\u0000"}"#).is_ok());
        assert!(check_kwargs(r#"{"a": "\u0001"}"#).is_ok());
    }

    #[test]
    fn what_strict_parsers_reject_is_refused() {
        assert!(check_kwargs(r#"{"a": "\ud800"}"#).is_err());
        assert!(check_kwargs(r#"{"a": 1e999}"#).is_err());
        let deep = format!("{}1{}", r#"{"a":"#.repeat(200), "}".repeat(200));
        assert!(check_kwargs(&deep).is_err());
        assert!(
            check_kwargs(r#"{"a": "\ud83d\ude00", "b": 123456789012345678901234567890}"#).is_ok()
        );
    }
}
