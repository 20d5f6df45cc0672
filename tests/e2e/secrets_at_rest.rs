//! Secrets at rest: with an encryption key, no signing secret or header value appears in
//! the database in plain text, deliveries still verify, rows from before the key still
//! work, and `taskshed rekey` moves everything to a new key.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;
use std::time::Duration;
use taskshed::harness::{sign, SigningSecret};

use crate::delivery::at;
use crate::support::database::fresh_database;
use crate::support::receiver::{Received, Receiver};
use crate::support::server::Server;

const SOON: Duration = Duration::from_secs(30);
const LEGACY_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const VAULT_SECRET: &str = "whsec_dGhpcyBpcyBhIHRlc3Qgc2VjcmV0IGZvciB2YXVsdA==";
const LEGACY_TOKEN: &str = "legacy-token-0123456789";
const VAULT_TOKEN: &str = "Bearer vault-token-9876543210";

fn key(byte: u8) -> String {
    STANDARD.encode([byte; 32])
}

/// Every callback row as text, as someone reading the database (or a dump) sees it.
async fn dump(pool: &sqlx::PgPool) -> String {
    sqlx::query_scalar("select coalesce(string_agg(c::text, E'\\n'), '') from callbacks c")
        .fetch_one(pool)
        .await
        .expect("dump callbacks")
}

fn signed_with(secret: &str, request: &Received) -> String {
    let secret = SigningSecret::parse(secret).expect("a valid secret");
    let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
    sign(&secret, request.webhook_id(), timestamp, &request.body)
}

fn signatures(request: &Received) -> Vec<String> {
    request
        .header("webhook-signature")
        .split(' ')
        .map(str::to_owned)
        .collect()
}

/// Delivers one task to each callback and checks signatures and headers.
async fn deliver_and_verify(server: &Server, receiver: &Receiver, round: &str, vault: &[&str]) {
    let (_, now) = at(0);
    for callback in ["legacy", "vault"] {
        let task_id = format!("{callback}-{round}");
        server
            .api
            .create_task(json!({"callback": callback, "task_id": task_id, "run_at": now}))
            .await;
    }
    let legacy = &receiver
        .wait_for_task(&format!("legacy-{round}"), 1, SOON)
        .await[0];
    assert_eq!(signatures(legacy), [signed_with(LEGACY_SECRET, legacy)]);
    assert_eq!(legacy.header("x-legacy"), LEGACY_TOKEN);
    let sealed = &receiver
        .wait_for_task(&format!("vault-{round}"), 1, SOON)
        .await[0];
    let expected: Vec<String> = vault.iter().map(|s| signed_with(s, sealed)).collect();
    assert_eq!(signatures(sealed), expected);
    assert_eq!(sealed.header("authorization"), VAULT_TOKEN);
}

async fn stop(mut server: Server) {
    server.sigterm();
    assert!(server.wait(SOON).await.is_some(), "the server did not stop");
}

#[tokio::test]
async fn with_a_key_nothing_is_stored_in_plain_text_and_rekey_moves_to_a_new_key() {
    let db = fresh_database().await;
    let pool = taskshed::harness::connect(&db, 2).await.expect("pool");
    let receiver = Receiver::start().await;

    // Before any key: stored as they are.
    let plain = Server::start(&db, "plain", &[]).await;
    plain
        .api
        .callback(
            "legacy",
            &receiver.url("/legacy"),
            json!({"secret": LEGACY_SECRET, "headers": {"x-legacy": LEGACY_TOKEN}}),
        )
        .await;
    assert!(dump(&pool).await.contains(LEGACY_SECRET));
    stop(plain).await;

    // With a key: sealed, bound to row and column; the legacy row still reads.
    let first_key = key(1);
    let sealed = Server::start(&db, "sealed", &[("TASKSHED_ENCRYPTION_KEY", &first_key)]).await;
    sealed
        .api
        .callback(
            "vault",
            &receiver.url("/vault"),
            json!({"secret": VAULT_SECRET, "headers": {"authorization": VAULT_TOKEN}}),
        )
        .await;
    let rotated = sealed
        .api
        .post("/v1/callbacks/vault/rotate-secret", json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{rotated:#?}");
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    let text = dump(&pool).await;
    for plaintext in [
        VAULT_SECRET,
        VAULT_TOKEN,
        "vault-token",
        new_secret.as_str(),
    ] {
        assert!(
            !text.contains(plaintext),
            "{plaintext} is stored in plain text: {text}"
        );
    }
    assert!(text.contains("sealed:v1:"), "{text}");
    deliver_and_verify(&sealed, &receiver, "sealed", &[&new_secret, VAULT_SECRET]).await;

    // A sealed value moved to another row does not open there.
    sqlx::query(
        "update callbacks set headers = (select headers from callbacks where name = 'vault') \
         where name = 'legacy'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let moved = sealed.api.get("/v1/callbacks/legacy").await;
    assert_eq!(moved.status, 500, "{moved:#?}");
    assert!(!moved.body.to_string().contains("vault-token"));
    sqlx::query("update callbacks set headers = $1 where name = 'legacy'")
        .bind(json!({"x-legacy": LEGACY_TOKEN}))
        .execute(&pool)
        .await
        .unwrap();
    stop(sealed).await;

    // Rekey, then run under the new key only: everything (the legacy row too) is sealed
    // under it and deliveries still verify.
    let second_key = key(2);
    for run in 0..2 {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_taskshed"))
            .args(["rekey", "--new-key", &second_key])
            .env("DATABASE_URL", &db)
            .env("TASKSHED_ENCRYPTION_KEY", &first_key)
            .output()
            .expect("run taskshed rekey");
        assert!(
            out.status.success(),
            "rekey run {run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = dump(&pool).await;
    for plaintext in [
        LEGACY_SECRET,
        LEGACY_TOKEN,
        VAULT_SECRET,
        VAULT_TOKEN,
        new_secret.as_str(),
    ] {
        assert!(
            !text.contains(plaintext),
            "{plaintext} is stored in plain text: {text}"
        );
    }
    let second_id = taskshed::harness::EncryptionKey::parse(&second_key)
        .unwrap()
        .id()
        .to_string();
    assert_eq!(
        text.matches("sealed:v1:").count(),
        text.matches(&format!("sealed:v1:{second_id}:")).count(),
        "a value is not under the new key: {text}"
    );
    let rekeyed = Server::start(&db, "rekeyed", &[("TASKSHED_ENCRYPTION_KEY", &second_key)]).await;
    deliver_and_verify(&rekeyed, &receiver, "rekeyed", &[&new_secret, VAULT_SECRET]).await;
}
