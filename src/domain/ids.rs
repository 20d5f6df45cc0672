//! Identifiers: task ids, group ids and callback names share one alphabet and length rule.

use std::fmt;

/// Longest identifier accepted, in characters (all allowed characters are ASCII).
pub const MAX_ID_LEN: usize = 255;

/// A validated identifier: 1–255 characters from `A-Z a-z 0-9 . _ ~ : -`.
///
/// The alphabet is URL-safe, so ids can appear in paths and query strings unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(String);

impl Id {
    /// Checks `raw` against the identifier rules, returning a message fit for a 422 on failure.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > MAX_ID_LEN {
            return Err(format!("must be at most {MAX_ID_LEN} characters"));
        }
        if let Some(bad) = raw.chars().find(|c| !is_id_char(*c)) {
            return Err(format!(
                "contains {bad:?}; allowed characters are A-Z a-z 0-9 . _ ~ : -"
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A new random task id in TaskShed's form: a UUID v4 as 32 lowercase hex digits.
    ///
    /// The random bytes come from the thread-local CSPRNG rather than `Uuid::new_v4`,
    /// which makes a `getrandom` system call per id (a batch of 10,000 tasks without ids
    /// would make 10,000).
    pub fn generate() -> Self {
        Self(random_uuid_hex())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A random UUID v4 as 32 lowercase hex digits, from the thread-local CSPRNG.
pub fn random_uuid_hex() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .simple()
        .to_string()
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | ':' | '-')
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_alphabet() {
        assert!(Id::parse("Az09._~:-").is_ok());
        assert!(Id::parse(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        assert!(Id::parse("").is_err());
        assert!(Id::parse(&"a".repeat(256)).is_err());
        for bad in ["a b", "a/b", "é", "a\0", "a?b", "a#b", "a%20"] {
            assert!(Id::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn generated_ids_are_uuid_hex() {
        let id = Id::generate();
        assert_eq!(id.as_str().len(), 32);
        assert!(id.as_str().chars().all(|c| c.is_ascii_hexdigit()));
        let parsed = uuid::Uuid::parse_str(id.as_str()).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
    }
}
