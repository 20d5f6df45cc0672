//! `taskshed keys create`: creates an API key from the command line (for a first key,
//! before any exists to call `POST /v1/keys` with), through the same checks and table as
//! the endpoint, and prints the key once.

use crate::app::Database;
use crate::config::{Config, KeysCommand};

/// `taskshed keys create`: the same checks and table as `POST /v1/keys`.
pub async fn keys(config: &Config, command: KeysCommand) -> anyhow::Result<()> {
    let KeysCommand::Create {
        name,
        scopes,
        expires_at,
    } = command;
    let database = Database::open(config).await?;
    crate::store::migrate(&database.pool).await?;
    let request = crate::http::keys::CreateKeyRequest {
        name,
        scopes,
        expires_at,
    };
    let created = crate::http::keys::create_key(&database.pool, request).await;
    database.close().await?;
    let created = created.map_err(|e| {
        let problem = e.to_problem();
        let fields: Vec<String> = problem
            .errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
        match fields.as_slice() {
            [] => anyhow::anyhow!("{}", problem.detail),
            _ => anyhow::anyhow!("{}", fields.join("; ")),
        }
    })?;
    // The key alone on stdout, so `KEY=$(taskshed keys create …)` works; the rest on stderr.
    println!("{}", created.key);
    eprintln!(
        "created key {} ({}) with scopes {}; it is shown only now",
        created.info.id,
        created.info.name,
        created.info.scopes.join(", ")
    );
    Ok(())
}
