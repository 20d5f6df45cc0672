//! Writes what attempts told about their receivers into the shared flow state
//! (`store::flow::record`): cuts of the effective concurrency, recoveries, and
//! `Retry-After` holds — one statement per batch of finished attempts, whatever has queued
//! up while the previous write ran, and none at all while every callback in the batch is at
//! its maximum and nothing was cut or held (the common case costs no round trip).
//!
//! A task of its own, so the finisher's statement (the hot path) stays as it was.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::flow_gate::FlowSignal;
use super::state::DeliveryState;
use crate::domain::flow::Load;
use crate::store::flow::{record, FlowReport};

/// Most signals folded into one write.
const MAX_BATCH: usize = 4096;

pub async fn run(
    engine: Arc<DeliveryState>,
    mut signals: mpsc::UnboundedReceiver<FlowSignal>,
    stop: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            first = signals.recv() => first,
            _ = stop.cancelled() => None,
        };
        let mut batch = Vec::new();
        let stopping = first.is_none();
        batch.extend(first);
        while batch.len() < MAX_BATCH {
            match signals.try_recv() {
                Ok(signal) => batch.push(signal),
                Err(_) => break,
            }
        }
        let reports = fold(&engine, batch);
        if !reports.is_empty() {
            match record(&engine.pool, &reports).await {
                Ok(still_reduced) => {
                    for report in &reports {
                        if !still_reduced.contains(&report.callback) {
                            engine.flow.recovered(&report.callback);
                        }
                    }
                }
                Err(error) => {
                    // Flow state is advice: a lost report makes the next cut or recovery one
                    // batch later, it never lets the concurrency bound be exceeded.
                    tracing::warn!(%error, "could not record flow state");
                    if !stopping {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        }
        if stopping {
            return;
        }
    }
}

/// One report per callback that needs writing: cut, held, or recovering.
fn fold(engine: &DeliveryState, batch: Vec<FlowSignal>) -> Vec<FlowReport> {
    let mut by_callback: BTreeMap<String, FlowReport> = BTreeMap::new();
    for signal in batch {
        let report = by_callback
            .entry(signal.callback.clone())
            .or_insert_with(|| FlowReport {
                callback: signal.callback.clone(),
                ..FlowReport::default()
            });
        match signal.load {
            Load::Overloaded => report.overloaded += 1,
            Load::Served => report.served += 1,
            Load::Neutral => {}
        }
        if let Some(hold) = signal.hold {
            report.hold_us = report.hold_us.max(hold.as_micros() as i64);
        }
    }
    by_callback
        .into_values()
        .filter(|report| {
            let cut = report.overloaded > 0;
            if cut {
                engine.flow.reduce(&report.callback);
            }
            cut || report.hold_us > 0 || engine.flow.is_reduced(&report.callback)
        })
        .collect()
}
