//! Standard Webhooks signing of one delivery: the `webhook-signature` value, computed by
//! the specification's own crate (`standardwebhooks`) so TaskShed cannot drift from it.
//!
//! The secret's text format lives in `domain::secret`; this module owns only the
//! signature.

use standardwebhooks::Webhook;

use crate::domain::secret::SigningSecret;

/// The `webhook-signature` header value: `v1,` + standard padded base64 of
/// HMAC-SHA256(key, `{msg_id}.{timestamp}.{body}`).
///
/// `body` must be the exact bytes sent; re-encoding JSON would break verification. The
/// crate signs text only: a body that is not UTF-8 (never the case for TaskShed, whose
/// bodies are JSON text) gets an empty signature, which every receiver rejects.
pub fn sign(secret: &SigningSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    // `from_bytes` never fails: it only wraps the key (one 32-byte copy per attempt).
    let signed = Webhook::from_bytes(secret.key().to_vec())
        .and_then(|webhook| webhook.sign(msg_id, timestamp, body));
    match signed {
        Ok(signature) => signature,
        Err(error) => {
            tracing::error!(%error, "could not sign a delivery body");
            String::new()
        }
    }
}

/// The `webhook-signature` value for a callback with `secret` and, during a rotation's
/// grace period, `previous`: `v1,<new> v1,<old>`, new first. Standard Webhooks receivers
/// accept a request when any listed signature verifies, so receivers holding either secret
/// keep verifying while they switch over.
pub fn signature_header(
    secret: &SigningSecret,
    previous: Option<&SigningSecret>,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    let mut header = sign(secret, msg_id, timestamp, body);
    if let Some(previous) = previous {
        header.push(' ');
        header.push_str(&sign(previous, msg_id, timestamp, body));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secret::generate_secret;

    // The example from the Standard Webhooks specification, re-derived independently
    // (Python's hmac module) before being written down here.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_standard_webhooks_spec_vector() {
        let secret = SigningSecret::parse(SPEC_SECRET).expect("spec secret parses");
        assert_eq!(
            sign(&secret, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY),
            SPEC_SIGNATURE
        );
    }

    #[test]
    fn a_rotation_lists_the_new_signature_first() {
        let new = SigningSecret::parse(&generate_secret()).expect("generated parses");
        let old = SigningSecret::parse(SPEC_SECRET).expect("spec secret parses");
        let header = signature_header(&new, Some(&old), SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY);
        let new_sig = sign(&new, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY);
        assert_eq!(header, format!("{new_sig} {SPEC_SIGNATURE}"));
        assert_eq!(
            signature_header(&new, None, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY),
            new_sig
        );
    }

    #[test]
    fn signature_depends_on_every_part() {
        let secret = SigningSecret::parse(SPEC_SECRET).expect("spec secret parses");
        let other = SigningSecret::parse(&generate_secret()).expect("generated parses");
        let base = sign(&secret, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY);
        assert_ne!(base, sign(&other, SPEC_MSG_ID, SPEC_TIMESTAMP, SPEC_BODY));
        assert_ne!(base, sign(&secret, "msg_other", SPEC_TIMESTAMP, SPEC_BODY));
        assert_ne!(
            base,
            sign(&secret, SPEC_MSG_ID, SPEC_TIMESTAMP + 1, SPEC_BODY)
        );
        assert_ne!(
            base,
            sign(
                &secret,
                SPEC_MSG_ID,
                SPEC_TIMESTAMP,
                br#"{"test":2432232314}"#
            )
        );
    }
}
