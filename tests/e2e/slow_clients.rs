//! Slow clients cannot hold the server (API v2, "Limits"): a slowloris client that fills
//! every connection slot, sending its headers one byte a second, is cut off at the read
//! timeout, and `/healthz` keeps answering.

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::database::fresh_database;
use crate::support::server::Server;

const SLOTS: usize = 20;

/// Opens a connection and sends a request head one byte a second, never finishing it;
/// returns how long the server kept the connection open.
async fn slowloris(address: String) -> Duration {
    let started = Instant::now();
    let Ok(mut tcp) = TcpStream::connect(&address).await else {
        return started.elapsed();
    };
    let head =
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for byte in head.iter().cycle().take(120) {
        if tcp.write_all(&[*byte]).await.is_err() {
            break;
        }
        // Closed by the server (EOF, or a 408 answer then EOF)?
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_secs(1), tcp.read(&mut buf)).await {
            Ok(Ok(_)) | Ok(Err(_)) => break,
            Err(_) => {}
        }
    }
    started.elapsed()
}

#[tokio::test]
async fn a_slowloris_client_does_not_stop_healthz() {
    let db = fresh_database().await;
    let slots = SLOTS.to_string();
    let server = Server::start(
        &db,
        "slowloris",
        &[
            ("TASKSHED_MAX_CONNECTIONS", slots.as_str()),
            ("TASKSHED_READ_TIMEOUT", "PT2S"),
        ],
    )
    .await;
    let address = server.base.trim_start_matches("http://").to_owned();
    // Twice the slots: half are accepted and dribble, half wait for a free slot.
    let attackers: Vec<_> = (0..2 * SLOTS)
        .map(|_| tokio::spawn(slowloris(address.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Every slot may be taken right now; once the read timeout cuts the dribblers off,
    // healthz gets through — well before the attackers would have finished (120 s).
    let started = Instant::now();
    let client = reqwest::Client::new();
    let reply = tokio::time::timeout(
        Duration::from_secs(15),
        client.get(format!("{}/healthz", server.base)).send(),
    )
    .await
    .expect("/healthz did not answer within 15 s")
    .expect("/healthz request");
    assert!(reply.status().is_success(), "{:?}", reply.status());
    assert!(started.elapsed() < Duration::from_secs(15));

    // Every slow connection was closed by the server after about the read timeout.
    for attacker in attackers {
        let held = tokio::time::timeout(Duration::from_secs(30), attacker)
            .await
            .expect("a slow connection was never closed")
            .unwrap();
        assert!(held < Duration::from_secs(20), "held for {held:?}");
    }
}
