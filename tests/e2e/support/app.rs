//! An in-process TaskShed API on a real socket and a fresh database, and a small HTTP
//! client for talking to it the way users do.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Arc;
use taskshed::harness::{Cli, Config};
use tokio_util::sync::CancellationToken;

use super::database::fresh_database;

/// A running API: base URL, a pool on its database, and a stop handle.
pub struct TestApp {
    pub base: String,
    pub pool: sqlx::PgPool,
    /// For tests that start further instances on the same database.
    #[allow(dead_code)]
    pub database_url: String,
    pub client: reqwest::Client,
    stop: CancellationToken,
}

/// A default configuration, as the binary would parse it with no flags.
pub fn default_config() -> Config {
    use clap::Parser;
    Cli::try_parse_from(["taskshed"])
        .expect("defaults parse")
        .config
}

impl TestApp {
    /// Starts the API only (no delivery loop) on 127.0.0.1:0.
    pub async fn spawn() -> TestApp {
        let database_url = fresh_database().await;
        let pool = taskshed::harness::connect(&database_url, 8)
            .await
            .expect("pool");
        taskshed::harness::migrate(&pool).await.expect("migrate");
        let mut config = default_config();
        // Batches up to 4 MiB: enough to send a batch item over the 1 MiB kwargs limit.
        config.max_body_bytes = 4 * 1024 * 1024;
        let state = taskshed::harness::state(&config, pool.clone(), Arc::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let token = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, taskshed::harness::router(state))
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await
                .ok();
        });
        TestApp {
            base,
            pool,
            database_url,
            client: reqwest::Client::new(),
            stop,
        }
    }

    /// Sends JSON (or nothing) and returns status, headers and the parsed body (Null if empty).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::read(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Sends raw bytes with a chosen content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        Reply::read(request.send().await.expect("request")).await
    }

    /// Registers a callback pointing at `url`.
    pub async fn register_callback(&self, name: &str, url: &str) -> Value {
        let reply = self
            .put(
                &format!("/v1/callbacks/{name}"),
                serde_json::json!({ "url": url }),
            )
            .await;
        assert!(reply.status.is_success(), "register callback: {reply:?}");
        reply.body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    async fn read(response: reqwest::Response) -> Reply {
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts a problem+json error with this status and code; returns the body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {self:#?}");
        assert_eq!(self.content_type(), "application/problem+json", "{self:#?}");
        assert_eq!(self.body["code"], code, "code of {self:#?}");
        assert_eq!(self.body["status"], status, "{self:#?}");
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        &self.body
    }

    /// The `field`s of a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}
