//! API keys and scopes (API.md, "Access control"): the key's text format, its stored form
//! and the rules for what a set of scopes grants.
//!
//! A key is `tsk_` followed by base62 text of at least 32 random bytes. The prefix makes
//! keys recognisable to people and to leak scanners; base62 keeps them one "word" that
//! double-click selects and no shell or URL needs to quote.
//!
//! Only SHA-256 of the whole key text is stored. A slow password hash (argon2, bcrypt)
//! would add nothing: its work factor exists to make guessing low-entropy passwords
//! expensive, and a 256-bit random key cannot be guessed at any speed; it would only cost
//! every request milliseconds. For the same reason timing is not a concern when the
//! digest is found by an indexed lookup (`WHERE key_hash = $1`): what a timing difference
//! could leak is how much of a *digest* an attacker's guess shares with a stored one, and
//! knowing digest bytes does not help find a key that hashes to them (that is SHA-256's
//! preimage resistance). Comparisons in memory (the key cache) still go through
//! [`KeyDigest::matches`], constant-time by `subtle`, so no reviewer has to re-derive
//! that argument.
//!
//! This module does no I/O; key lookup, caching and `last_used_at` belong to the store and
//! the HTTP middleware.

#![allow(dead_code)] // wired in by issue 14's integration

use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Every key starts with this.
pub const KEY_PREFIX: &str = "tsk_";

/// Random bytes in a generated key: 256 bits, the "at least 32 bytes" of API.md.
const GENERATED_KEY_BYTES: usize = 32;

/// Base62 characters needed for 32 bytes: ceil(256 / log2(62)) = 43. Also the shortest
/// key body accepted, so a key typed by an operator (`--admin-key`) is at least as long
/// as a generated one; 64 hex characters (`openssl rand -hex 32`) also qualify.
const MIN_BODY_LEN: usize = 43;

/// Longest key body accepted: generous for hand-made keys, and a bound on what one
/// `Authorization` header can make the server hash.
const MAX_BODY_LEN: usize = 128;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a presented key was rejected. Messages never repeat the key: it may be a real key
/// pasted into the wrong place, and error messages end up in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyFormatError {
    #[error("API key must start with `tsk_`")]
    MissingPrefix,
    #[error("API key has a character outside 0-9, A-Z, a-z at position {position}")]
    BadCharacter { position: usize },
    #[error("API key is too short ({len} characters after `tsk_`, at least 43)")]
    TooShort { len: usize },
    #[error("API key is too long ({len} characters after `tsk_`, at most 128)")]
    TooLong { len: usize },
}

/// Why an `Authorization` header did not yield a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BearerError {
    #[error("Authorization header is not `Bearer <key>`")]
    NotBearer,
    #[error(transparent)]
    Format(#[from] KeyFormatError),
}

/// A well-formed API key as presented by a client or just generated. Its text is a
/// credential: `Debug` is redacted and only [`ApiKey::expose`] hands it out.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    text: String,
}

impl ApiKey {
    /// A fresh key: `tsk_` + base62 of 32 bytes from the OS-seeded CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; GENERATED_KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self {
            text: format!("{KEY_PREFIX}{}", base62_fixed(&bytes, MIN_BODY_LEN)),
        }
    }

    /// Checks the shape of a presented key: prefix, alphabet, length.
    pub fn parse(text: &str) -> Result<Self, KeyFormatError> {
        let body = text
            .strip_prefix(KEY_PREFIX)
            .ok_or(KeyFormatError::MissingPrefix)?;
        if let Some(i) = body.bytes().position(|b| !b.is_ascii_alphanumeric()) {
            return Err(KeyFormatError::BadCharacter {
                position: KEY_PREFIX.len() + i + 1,
            });
        }
        match body.len() {
            len if len < MIN_BODY_LEN => Err(KeyFormatError::TooShort { len }),
            len if len > MAX_BODY_LEN => Err(KeyFormatError::TooLong { len }),
            _ => Ok(Self {
                text: text.to_owned(),
            }),
        }
    }

    /// Reads the key out of an `Authorization` header value: `Bearer <key>`, the scheme
    /// case-insensitive (RFC 9110 §11.1), one or more spaces after it.
    pub fn from_authorization(header: &str) -> Result<Self, BearerError> {
        let (scheme, rest) = header.split_once(' ').ok_or(BearerError::NotBearer)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(BearerError::NotBearer);
        }
        Ok(Self::parse(rest.trim_start_matches(' '))?)
    }

    /// The key text, for the one answer that shows it to its owner.
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// The stored form.
    pub fn digest(&self) -> KeyDigest {
        KeyDigest(Sha256::digest(self.text.as_bytes()).into())
    }
}

impl FromStr for ApiKey {
    type Err = KeyFormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// Hand-written so a key never reaches a log through `{:?}` of a bigger struct.
impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// SHA-256 of a key's text: what the keys table stores (as 64 lowercase hex characters)
/// and what lookups use.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyDigest([u8; 32]);

impl KeyDigest {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a stored digest back; `None` unless exactly 64 hex characters.
    pub fn from_hex(text: &str) -> Option<Self> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }

    /// Constant-time equality, for comparisons in memory (see the module doc).
    pub fn matches(&self, other: &KeyDigest) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

// A digest is not a credential (it cannot be turned back into the key), but printing
// eight characters is enough to tell keys apart in a log.
impl fmt::Debug for KeyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDigest({}…)", &self.to_hex()[..8])
    }
}

/// Base62 of `bytes` read as one big-endian number, left-padded with `0` to `width`.
/// A fixed width makes every generated key the same length, which a reader expects.
fn base62_fixed(bytes: &[u8], width: usize) -> String {
    let mut number = bytes.to_vec();
    let mut digits = Vec::with_capacity(width);
    // Long division by 62, most significant byte first; 32 bytes × 43 digits is nothing.
    while number.iter().any(|&b| b != 0) {
        let mut remainder = 0u32;
        for byte in number.iter_mut() {
            let acc = (remainder << 8) | u32::from(*byte);
            *byte = (acc / 62) as u8;
            remainder = acc % 62;
        }
        digits.push(BASE62[remainder as usize]);
    }
    digits.resize(digits.len().max(width), b'0');
    digits.reverse();
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

/// What a key may do (API.md, "Scopes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Every `GET` (never secrets) and `/metrics`.
    Read,
    /// `read` plus every task write.
    Tasks,
    /// `read` plus callback writes: register, delete, rotate, enable.
    Callbacks,
    /// Everything, including keys.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Tasks, Scope::Callbacks, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Tasks => "tasks",
            Self::Callbacks => "callbacks",
            Self::Admin => "admin",
        }
    }

    /// Whether holding `self` is enough for an operation that needs `needed`:
    /// `admin` ⊇ everything, `tasks` ⊇ `read`, `callbacks` ⊇ `read`.
    pub fn implies(self, needed: Scope) -> bool {
        match (self, needed) {
            (Self::Admin, _) => true,
            (held, needed) if held == needed => true,
            (Self::Tasks | Self::Callbacks, Self::Read) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| {
                format!("unknown scope {s:?} (expected one of read, tasks, callbacks, admin)")
            })
    }
}

/// Whether a key holding `held` may perform an operation that needs `needed`.
pub fn grants(held: &[Scope], needed: Scope) -> bool {
    held.iter().any(|scope| scope.implies(needed))
}

/// What a route asks of the caller, the value of the one route table the middleware
/// consults: a route missing from it is a test failure, not an open door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Required {
    /// `/healthz`, `/readyz`, `/openapi.json`, `/docs`: open even while auth is enforced.
    Open,
    /// A key holding a scope that implies this one.
    Scope(Scope),
}

impl Required {
    /// Whether a caller holding `held` passes; `None` = no key presented.
    pub fn is_met_by(self, held: Option<&[Scope]>) -> bool {
        match (self, held) {
            (Self::Open, _) => true,
            (Self::Scope(needed), Some(held)) => grants(held, needed),
            (Self::Scope(_), None) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_with_body(body: &str) -> String {
        format!("{KEY_PREFIX}{body}")
    }

    #[test]
    fn generated_keys_are_well_formed_distinct_and_full_length() {
        let a = ApiKey::generate();
        let b = ApiKey::generate();
        assert_ne!(a, b);
        for key in [&a, &b] {
            assert_eq!(key.expose().len(), KEY_PREFIX.len() + MIN_BODY_LEN);
            assert_eq!(ApiKey::parse(key.expose()), Ok(key.clone()));
        }
    }

    #[test]
    fn base62_is_big_endian_and_fixed_width() {
        assert_eq!(base62_fixed(&[0; 32], 43), "0".repeat(43));
        assert_eq!(base62_fixed(&[0, 61], 3), "00z");
        assert_eq!(base62_fixed(&[0, 62], 3), "010");
        assert_eq!(base62_fixed(&[1, 0], 1), "48"); // 256 = 4·62 + 8
                                                    // 2^256 − 1 needs all 43 digits, so 43 is the right width.
        let max = base62_fixed(&[0xff; 32], 43);
        assert_eq!(max.len(), 43);
        assert_ne!(&max[..1], "0");
    }

    #[test]
    fn presented_keys_are_checked_for_prefix_alphabet_and_length() {
        let body = "a".repeat(43);
        assert!(ApiKey::parse(&key_with_body(&body)).is_ok());
        assert!(ApiKey::parse(&key_with_body(&"f0".repeat(32))).is_ok()); // hex, 32 bytes
        assert!(ApiKey::parse(&key_with_body(&"Z".repeat(128))).is_ok());

        assert_eq!(ApiKey::parse(&body), Err(KeyFormatError::MissingPrefix));
        assert_eq!(
            ApiKey::parse(&format!("TSK_{body}")),
            Err(KeyFormatError::MissingPrefix)
        );
        assert_eq!(
            ApiKey::parse(&key_with_body(&"a".repeat(42))),
            Err(KeyFormatError::TooShort { len: 42 })
        );
        assert_eq!(
            ApiKey::parse(KEY_PREFIX),
            Err(KeyFormatError::TooShort { len: 0 })
        );
        assert_eq!(
            ApiKey::parse(&key_with_body(&"a".repeat(129))),
            Err(KeyFormatError::TooLong { len: 129 })
        );
        assert_eq!(
            ApiKey::parse(&key_with_body(&format!(
                "{}-{}",
                "a".repeat(10),
                "a".repeat(40)
            ))),
            Err(KeyFormatError::BadCharacter { position: 15 })
        );
        assert_eq!(
            ApiKey::parse(&key_with_body(&format!("{}é", "a".repeat(43)))),
            Err(KeyFormatError::BadCharacter { position: 48 })
        );
    }

    #[test]
    fn errors_and_debug_never_show_the_key() {
        let key = ApiKey::generate();
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        let body = &key.expose()[KEY_PREFIX.len()..];
        let bad = format!("{body}!");
        let err = ApiKey::parse(&key_with_body(&bad)).unwrap_err().to_string();
        assert!(!err.contains(body), "{err}");
        let digest = format!("{:?}", key.digest());
        assert!(!digest.contains(body) && digest.len() < 24, "{digest}");
    }

    #[test]
    fn bearer_header_is_parsed() {
        let key = ApiKey::generate();
        for header in [
            format!("Bearer {}", key.expose()),
            format!("bearer {}", key.expose()),
            format!("BEARER   {}", key.expose()),
        ] {
            assert_eq!(
                ApiKey::from_authorization(&header),
                Ok(key.clone()),
                "{header}"
            );
        }
        assert_eq!(
            ApiKey::from_authorization(&format!("Basic {}", key.expose())),
            Err(BearerError::NotBearer)
        );
        assert_eq!(
            ApiKey::from_authorization("Bearer"),
            Err(BearerError::NotBearer)
        );
        assert_eq!(
            ApiKey::from_authorization("Bearer nope"),
            Err(BearerError::Format(KeyFormatError::MissingPrefix))
        );
    }

    #[test]
    fn digest_is_sha256_hex_of_the_key_text() {
        let key = ApiKey::parse(&key_with_body(&"a".repeat(43))).unwrap();
        let expected = Sha256::digest(key.expose().as_bytes());
        assert_eq!(key.digest().as_bytes()[..], expected[..]);
        let hex = key.digest().to_hex();
        assert_eq!(hex.len(), 64);
        assert!(hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(KeyDigest::from_hex(&hex), Some(key.digest()));
        assert_eq!(KeyDigest::from_hex(&hex.to_uppercase()), Some(key.digest()));
        assert_eq!(KeyDigest::from_hex(&hex[1..]), None);
        assert_eq!(KeyDigest::from_hex(&format!("{}g", &hex[1..])), None);
        assert_eq!(KeyDigest::from_hex(&format!("é{}", &hex[2..])), None);
    }

    #[test]
    fn digests_match_only_their_own_key() {
        let a = ApiKey::generate();
        let b = ApiKey::generate();
        assert!(a.digest().matches(&a.clone().digest()));
        assert!(!a.digest().matches(&b.digest()));
    }

    #[test]
    fn scope_implications() {
        use Scope::*;
        // (held, needed, granted)
        let table = [
            (Read, Read, true),
            (Read, Tasks, false),
            (Read, Callbacks, false),
            (Read, Admin, false),
            (Tasks, Read, true),
            (Tasks, Tasks, true),
            (Tasks, Callbacks, false),
            (Tasks, Admin, false),
            (Callbacks, Read, true),
            (Callbacks, Tasks, false),
            (Callbacks, Callbacks, true),
            (Callbacks, Admin, false),
            (Admin, Read, true),
            (Admin, Tasks, true),
            (Admin, Callbacks, true),
            (Admin, Admin, true),
        ];
        for (held, needed, granted) in table {
            assert_eq!(held.implies(needed), granted, "{held} → {needed}");
            assert_eq!(grants(&[held], needed), granted, "{held} → {needed}");
        }
        assert!(grants(&[Tasks, Callbacks], Callbacks));
        assert!(grants(&[Read, Tasks], Tasks));
        assert!(!grants(&[Tasks, Callbacks], Admin));
        assert!(!grants(&[], Read));
    }

    #[test]
    fn required_is_met() {
        assert!(Required::Open.is_met_by(None));
        assert!(Required::Open.is_met_by(Some(&[])));
        assert!(!Required::Scope(Scope::Read).is_met_by(None));
        assert!(!Required::Scope(Scope::Read).is_met_by(Some(&[])));
        assert!(Required::Scope(Scope::Read).is_met_by(Some(&[Scope::Tasks])));
        assert!(!Required::Scope(Scope::Admin).is_met_by(Some(&[Scope::Tasks])));
    }

    #[test]
    fn scopes_round_trip_through_text_and_json() {
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
            let json = serde_json::to_string(&scope).unwrap();
            assert_eq!(json, format!("\"{scope}\""));
            assert_eq!(serde_json::from_str::<Scope>(&json).unwrap(), scope);
        }
        assert!("Admin"
            .parse::<Scope>()
            .unwrap_err()
            .contains("read, tasks"));
        assert!(serde_json::from_str::<Scope>("\"write\"").is_err());
    }
}
