//! Standard Webhooks signing secrets: the `whsec_` text format, parsed once at the API
//! boundary (and again, as an error if it fails, when a stored callback is read).
//!
//! The parse rules are stricter than the `standardwebhooks` crate's (which makes the
//! prefix optional and accepts an empty key) because the API's 422s promise them.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore;

/// The prefix Standard Webhooks puts before the base64 key, so secrets are
/// recognisable in config files and leak scanners.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes of key material in a generated secret: 32 bytes matches the HMAC-SHA256
/// block-size guidance and what other Standard Webhooks senders issue.
const GENERATED_KEY_LEN: usize = 32;

/// Why a `whsec_…` string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("signing secret must start with `whsec_`")]
    MissingPrefix,
    #[error("signing secret is not valid base64 after `whsec_`")]
    InvalidBase64,
    #[error("signing secret has an empty key")]
    EmptyKey,
}

/// A parsed signing secret: the decoded HMAC key.
///
/// Keeps the original text too, because the API hands the secret back to the
/// caller exactly as registered (and re-encoding could change padding).
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret {
    text: String,
    key: Vec<u8>,
}

impl SigningSecret {
    /// Parses `whsec_<standard padded base64>`. The key must be non-empty: an empty
    /// HMAC key is legal but would make every signature forgeable.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::InvalidBase64)?;
        if key.is_empty() {
            return Err(SecretError::EmptyKey);
        }
        Ok(Self {
            text: text.to_owned(),
            key,
        })
    }

    /// The secret as registered (`whsec_…`), for returning it to its owner.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The decoded HMAC key.
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// A fresh secret for a callback registered without one.
    pub fn generate() -> Self {
        Self::parse(&generate_secret()).expect("a generated secret is well-formed")
    }
}

impl FromStr for SigningSecret {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// Hand-written so a secret never ends up in logs through `{:?}` of a bigger struct.
impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

/// A fresh secret: `whsec_` + standard base64 of 32 bytes from the OS-seeded CSPRNG.
pub fn generate_secret() -> String {
    let mut key = [0u8; GENERATED_KEY_LEN];
    rand::thread_rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn rejects_bad_secrets() {
        assert_eq!(
            SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::MissingPrefix)
        );
        assert_eq!(
            SigningSecret::parse("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::MissingPrefix)
        );
        assert_eq!(
            SigningSecret::parse("whsec_not base64!"),
            Err(SecretError::InvalidBase64)
        );
        // Unpadded input is not the standard padded alphabet.
        assert_eq!(
            SigningSecret::parse("whsec_YWI"),
            Err(SecretError::InvalidBase64)
        );
        assert_eq!(SigningSecret::parse("whsec_"), Err(SecretError::EmptyKey));
    }

    #[test]
    fn generated_secrets_are_valid_and_distinct() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        let parsed = SigningSecret::parse(&a).expect("generated secret parses");
        assert_eq!(parsed.key().len(), GENERATED_KEY_LEN);
        assert_eq!(parsed.as_str(), a);
    }

    #[test]
    fn debug_does_not_leak_the_key() {
        let secret = SigningSecret::parse(SPEC_SECRET).expect("spec secret parses");
        let shown = format!("{secret:?}");
        assert!(!shown.contains("MfKQ9r8"), "{shown}");
    }
}
