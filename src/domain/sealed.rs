//! Secrets at rest (API.md, "Secrets"): signing secrets and static header values are
//! stored sealed with an AEAD under `--encryption-key` (`TASKSHED_ENCRYPTION_KEY`), or as
//! they are when no key is configured.
//!
//! # Cipher
//! XChaCha20-Poly1305 (RustCrypto). Every seal draws a fresh random nonce; with a 192-bit
//! nonce, random nonces never collide in practice, where the 96-bit nonce of AES-GCM or
//! plain ChaCha20-Poly1305 allows only about 2^32 seals under one key before a repeat
//! becomes a real risk (and a repeat leaks the XOR of two plaintexts and the MAC key). No
//! counter to persist, so several instances may seal under one key at once.
//!
//! # Stored form
//! `sealed:v1:<key id>:<base64 of nonce ‖ ciphertext ‖ tag>`
//! - `v1` leaves room for another cipher or layout without guessing at old rows.
//! - The key id is the first 8 hex characters of SHA-256 of the key. It lets decryption
//!   say "sealed under key 1a2b3c4d, the configured key is 5e6f7a8b" instead of a bare
//!   authentication failure, and lets `taskshed rekey` count what is left under an old
//!   key. 32 bits of a hash of a 256-bit random key reveal nothing usable about it.
//!
//! # Associated data
//! The caller passes where the value lives, e.g. `callbacks/<name>/secret` or
//! `callbacks/<name>/headers/<header>`. It is authenticated, not stored, so a ciphertext
//! copied into another row or column (someone with database write access moving a
//! secret they cannot read to a callback they control) fails to open.
//!
//! # Plaintext and mixed tables
//! [`AtRest`] is the one entry point: with no key it stores values as they are; with a key
//! it seals on write and on read opens sealed values and passes plain ones through, so a
//! table written before a key was configured keeps working until `taskshed rekey` seals
//! it. A plain value that happens to have the exact sealed shape would be misread; the
//! prefix makes that implausible for a `whsec_` secret, and registration should refuse
//! header values for which [`is_sealed`] is true.
//!
//! Nothing here logs, and no error or `Debug` output contains a plaintext or a key.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Why `--encryption-key` text was rejected. The text itself is never repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("encryption key is not standard base64 (generate one with `openssl rand -base64 32`)")]
    NotBase64,
    #[error("encryption key is {bytes} bytes, expected 32 (generate one with `openssl rand -base64 32`)")]
    WrongLength { bytes: usize },
}

/// Why a stored value could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("stored value is not in the `sealed:v1:<key id>:<base64>` form")]
    Malformed,
    #[error("value was sealed under key {sealed_with}, but the configured key is {configured}")]
    OtherKey {
        sealed_with: KeyId,
        configured: KeyId,
    },
    #[error("value was sealed under key {sealed_with}, but no encryption key is configured")]
    NoKey { sealed_with: KeyId },
    #[error(
        "sealed value does not authenticate: it was altered, or moved from another row or column"
    )]
    Forged,
    #[error("sealed value is not UTF-8 text")]
    NotUtf8,
}

/// The short public name of an encryption key: the first 4 bytes of its SHA-256.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 4]);

impl KeyId {
    fn parse(text: &str) -> Option<Self> {
        if text.len() != 8
            || !text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let mut out = [0u8; 4];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Self(out))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A 32-byte encryption key. `Debug` shows only its id.
#[derive(Clone, PartialEq, Eq)]
pub struct EncryptionKey([u8; KEY_LEN]);

impl EncryptionKey {
    /// Reads the `TASKSHED_ENCRYPTION_KEY` format: standard base64 of 32 bytes. Surrounding
    /// whitespace is ignored, so a key file may end with a newline.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError::NotBase64)?;
        let bytes: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| KeyError::WrongLength { bytes: b.len() })?;
        Ok(Self(bytes))
    }

    /// 32 fresh bytes from the OS-seeded CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        rand::thread_rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// The key in its text form, for writing a key file or printing a new key once.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn id(&self) -> KeyId {
        let digest = Sha256::digest(self.0);
        KeyId([digest[0], digest[1], digest[2], digest[3]])
    }
}

impl fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptionKey({}, <redacted>)", self.id())
    }
}

/// Seals and opens values under one key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    key_id: KeyId,
}

impl SecretBox {
    pub fn new(key: &EncryptionKey) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(&key.0.into()),
            key_id: key.id(),
        }
    }

    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// Seals `plaintext`, bound to `associated_data` (where the value lives).
    pub fn seal(&self, plaintext: &str, associated_data: &str) -> String {
        let mut nonce = XNonce::default();
        rand::thread_rng().fill_bytes(&mut nonce[..]);
        let aad = bound_aad(associated_data);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption fails only past 256 GiB per message");
        let mut blob = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        format!("{PREFIX}{}:{}", self.key_id, STANDARD.encode(blob))
    }

    /// Opens a value sealed by [`SecretBox::seal`] under the same key and associated data.
    pub fn open(&self, stored: &str, associated_data: &str) -> Result<String, SealError> {
        let (key_id, blob) = split_sealed(stored).ok_or(SealError::Malformed)?;
        if key_id != self.key_id {
            return Err(SealError::OtherKey {
                sealed_with: key_id,
                configured: self.key_id,
            });
        }
        let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
        let aad = bound_aad(associated_data);
        let plaintext = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SealError::Forged)?;
        String::from_utf8(plaintext).map_err(|_| SealError::NotUtf8)
    }
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBox({}, <redacted>)", self.key_id)
    }
}

/// The version is authenticated too, so a later format cannot be fed to this one.
fn bound_aad(associated_data: &str) -> String {
    format!("{PREFIX}{associated_data}")
}

/// The key id and `nonce ‖ ciphertext ‖ tag` of a value in sealed form, or `None`.
fn split_sealed(stored: &str) -> Option<(KeyId, Vec<u8>)> {
    let rest = stored.strip_prefix(PREFIX)?;
    let (key_id, encoded) = rest.split_once(':')?;
    let key_id = KeyId::parse(key_id)?;
    let blob = STANDARD.decode(encoded).ok()?;
    (blob.len() >= NONCE_LEN + TAG_LEN).then_some((key_id, blob))
}

/// Whether a stored value is in sealed form (whatever key sealed it).
pub fn is_sealed(stored: &str) -> bool {
    split_sealed(stored).is_some()
}

/// The key a stored value was sealed under; `None` for a plain value.
pub fn sealed_key_id(stored: &str) -> Option<KeyId> {
    split_sealed(stored).map(|(key_id, _)| key_id)
}

/// How secrets are kept at rest: the one type the store and the rekey command use.
#[derive(Debug, Clone)]
pub enum AtRest {
    /// No `--encryption-key`: values are stored as they are.
    Plaintext,
    Sealed(SecretBox),
}

impl AtRest {
    pub fn new(key: Option<&EncryptionKey>) -> Self {
        key.map_or(Self::Plaintext, |key| Self::Sealed(SecretBox::new(key)))
    }

    /// The form to store `plaintext` in, at the place named by `associated_data`.
    pub fn store(&self, plaintext: &str, associated_data: &str) -> String {
        match self {
            Self::Plaintext => plaintext.to_owned(),
            Self::Sealed(sealer) => sealer.seal(plaintext, associated_data),
        }
    }

    /// The plaintext of a stored value. Plain values pass through in both modes (rows from
    /// before a key was configured); sealed values need the key they were sealed under.
    pub fn load(&self, stored: &str, associated_data: &str) -> Result<String, SealError> {
        match (self, sealed_key_id(stored)) {
            (_, None) => Ok(stored.to_owned()),
            (Self::Plaintext, Some(sealed_with)) => Err(SealError::NoKey { sealed_with }),
            (Self::Sealed(sealer), Some(_)) => sealer.open(stored, associated_data),
        }
    }

    /// `taskshed rekey` for one value: read under `self`, store under `target`. Values
    /// already sealed under the target key are returned unchanged, so a rekey that was
    /// interrupted can simply be run again.
    pub fn reseal(
        &self,
        target: &AtRest,
        stored: &str,
        associated_data: &str,
    ) -> Result<String, SealError> {
        if let (Self::Sealed(to), Some(id)) = (target, sealed_key_id(stored)) {
            if id == to.key_id() {
                return Ok(stored.to_owned());
            }
        }
        let plaintext = self.load(stored, associated_data)?;
        Ok(target.store(&plaintext, associated_data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AAD: &str = "callbacks/billing/secret";
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn sealer() -> SecretBox {
        SecretBox::new(&EncryptionKey::generate())
    }

    #[test]
    fn round_trip() {
        let b = sealer();
        for plaintext in [SECRET, "", "Bearer é ✓ \u{0}"] {
            let stored = b.seal(plaintext, AAD);
            assert!(is_sealed(&stored), "{stored}");
            assert!(!stored.contains(plaintext) || plaintext.is_empty());
            assert_eq!(b.open(&stored, AAD).as_deref(), Ok(plaintext));
        }
    }

    #[test]
    fn stored_form_is_versioned_with_the_key_id() {
        let key = EncryptionKey::parse(&STANDARD.encode([7u8; 32])).unwrap();
        let b = SecretBox::new(&key);
        let stored = b.seal(SECRET, AAD);
        let expected_id: String = Sha256::digest([7u8; 32])[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(
            stored.starts_with(&format!("sealed:v1:{expected_id}:")),
            "{stored}"
        );
        assert_eq!(sealed_key_id(&stored), Some(key.id()));
        assert_eq!(key.id().to_string(), expected_id);
    }

    #[test]
    fn nonces_are_fresh_per_seal() {
        let b = sealer();
        assert_ne!(b.seal(SECRET, AAD), b.seal(SECRET, AAD));
    }

    #[test]
    fn wrong_key_is_named() {
        let a = sealer();
        let b = sealer();
        let stored = a.seal(SECRET, AAD);
        assert_eq!(
            b.open(&stored, AAD),
            Err(SealError::OtherKey {
                sealed_with: a.key_id(),
                configured: b.key_id()
            })
        );
        let message = b.open(&stored, AAD).unwrap_err().to_string();
        assert!(message.contains(&a.key_id().to_string()), "{message}");
    }

    #[test]
    fn tampering_is_detected() {
        let b = sealer();
        let stored = b.seal(SECRET, AAD);
        let (head, encoded) = stored.rsplit_once(':').unwrap();
        let mut blob = STANDARD.decode(encoded).unwrap();
        for i in [0, NONCE_LEN, blob.len() - 1] {
            blob[i] ^= 1;
            let tampered = format!("{head}:{}", STANDARD.encode(&blob));
            assert_eq!(b.open(&tampered, AAD), Err(SealError::Forged), "byte {i}");
            blob[i] ^= 1;
        }
        blob.pop();
        let truncated = format!("{head}:{}", STANDARD.encode(&blob));
        assert_eq!(b.open(&truncated, AAD), Err(SealError::Forged));
    }

    #[test]
    fn a_ciphertext_cannot_move_to_another_row_or_column() {
        let b = sealer();
        let stored = b.seal(SECRET, AAD);
        for other in [
            "callbacks/billing2/secret",
            "callbacks/billing/headers/authorization",
            "",
        ] {
            assert_eq!(b.open(&stored, other), Err(SealError::Forged), "{other}");
        }
    }

    #[test]
    fn malformed_values_are_not_sealed() {
        let b = sealer();
        let good = b.seal(SECRET, AAD);
        let id = b.key_id();
        for text in [
            SECRET.to_owned(),
            "sealed:v1:".to_owned(),
            format!("sealed:v2:{id}:{}", STANDARD.encode([0u8; 64])),
            format!("sealed:v1:{}:{}", "ABCDEF12", STANDARD.encode([0u8; 64])),
            format!("sealed:v1:{id}:not base64!"),
            format!(
                "sealed:v1:{id}:{}",
                STANDARD.encode([0u8; NONCE_LEN + TAG_LEN - 1])
            ),
            good.replacen("sealed:", "Sealed:", 1),
        ] {
            assert!(!is_sealed(&text), "{text}");
            assert_eq!(b.open(&text, AAD), Err(SealError::Malformed), "{text}");
        }
    }

    #[test]
    fn key_text_is_checked() {
        assert!(EncryptionKey::parse(&STANDARD.encode([1u8; 32])).is_ok());
        assert!(EncryptionKey::parse(&format!(" {}\n", STANDARD.encode([1u8; 32]))).is_ok());
        assert_eq!(
            EncryptionKey::parse("not base64 at all!"),
            Err(KeyError::NotBase64)
        );
        assert_eq!(
            EncryptionKey::parse(&STANDARD.encode([1u8; 16])),
            Err(KeyError::WrongLength { bytes: 16 })
        );
        assert_eq!(
            EncryptionKey::parse(&STANDARD.encode([1u8; 33])),
            Err(KeyError::WrongLength { bytes: 33 })
        );
        assert_eq!(
            EncryptionKey::parse(""),
            Err(KeyError::WrongLength { bytes: 0 })
        );
        let key = EncryptionKey::generate();
        assert_eq!(EncryptionKey::parse(&key.to_base64()), Ok(key));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = EncryptionKey::parse(&STANDARD.encode([9u8; 32])).unwrap();
        let b64 = key.to_base64();
        for text in [format!("{key:?}"), format!("{:?}", SecretBox::new(&key))] {
            assert!(!text.contains(&b64), "{text}");
            assert!(text.contains(&key.id().to_string()), "{text}");
        }
    }

    #[test]
    fn plaintext_mode_passes_values_through_and_refuses_sealed_ones() {
        let plain = AtRest::new(None);
        assert_eq!(plain.store(SECRET, AAD), SECRET);
        assert_eq!(plain.load(SECRET, AAD).as_deref(), Ok(SECRET));
        let b = sealer();
        let stored = b.seal(SECRET, AAD);
        assert_eq!(
            plain.load(&stored, AAD),
            Err(SealError::NoKey {
                sealed_with: b.key_id()
            })
        );
    }

    #[test]
    fn sealed_mode_reads_mixed_tables() {
        let key = EncryptionKey::generate();
        let at_rest = AtRest::new(Some(&key));
        let stored = at_rest.store(SECRET, AAD);
        assert!(is_sealed(&stored));
        assert_eq!(at_rest.load(&stored, AAD).as_deref(), Ok(SECRET));
        // A row written before the key was configured.
        assert_eq!(at_rest.load(SECRET, AAD).as_deref(), Ok(SECRET));
    }

    #[test]
    fn reseal_moves_values_between_keys_and_is_idempotent() {
        let old = AtRest::new(Some(&EncryptionKey::generate()));
        let new_key = EncryptionKey::generate();
        let new = AtRest::new(Some(&new_key));
        let plain = AtRest::Plaintext;

        let under_old = old.store(SECRET, AAD);
        let under_new = old.reseal(&new, &under_old, AAD).unwrap();
        assert_eq!(sealed_key_id(&under_new), Some(new_key.id()));
        assert_eq!(new.load(&under_new, AAD).as_deref(), Ok(SECRET));
        // Run again (interrupted rekey): already under the new key, left alone.
        assert_eq!(
            old.reseal(&new, &under_new, AAD).as_deref(),
            Ok(under_new.as_str())
        );
        // Plain rows get sealed; and back to plain when the key is dropped.
        let sealed = plain.reseal(&new, SECRET, AAD).unwrap();
        assert_eq!(new.load(&sealed, AAD).as_deref(), Ok(SECRET));
        assert_eq!(new.reseal(&plain, &sealed, AAD).as_deref(), Ok(SECRET));
        // A row under a third key is reported, not silently skipped.
        let stray = AtRest::new(Some(&EncryptionKey::generate())).store(SECRET, AAD);
        assert!(matches!(
            old.reseal(&new, &stray, AAD),
            Err(SealError::OtherKey { .. })
        ));
    }
}
