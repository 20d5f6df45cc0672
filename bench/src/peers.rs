//! The peer scenario: Python TaskShed 0.10 on Redis — the system TaskShed re-builds — run
//! through S1–S3 on the same machine, in the same run, and reported as ratios.
//!
//! Why ratios: this VM's speed drifts by up to 2× over hours, so an absolute figure from
//! another session says little, while two systems measured back to back share the drift.
//! The goals (issue 11) are relative: TaskShed's S1 batch and S2 burn-down at least 4× the
//! peer's, its S3 p99 at 1,000/s at most a third of the peer's.
//!
//! The peer harness is Python (`bench/peers/`, see its README for what is and is not
//! comparable); this module only runs it and reads the one JSON document it prints. Redis
//! runs with `appendonly yes`, `appendfsync everysec` — its usual durable setting, the
//! fairest match for TaskShed's fsync'd PostgreSQL (still weaker: up to a second of
//! acknowledged writes can be lost).

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::PathBuf;

use crate::report::Report;

/// TaskShed's own figures of this round, when their scenarios ran before this one.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ours {
    /// S1, batches of 1,000, tasks/s.
    pub batch_rate: Option<f64>,
    /// S2, deliveries/s.
    pub burndown_rate: Option<f64>,
    /// S3 at 1,000/s, p99 lateness in µs.
    pub lateness_p99_us: Option<f64>,
}

/// The part of the harness's JSON the report uses (the whole document goes into
/// `results.json`).
#[derive(Debug, Deserialize)]
struct PeerFigures {
    persistence: String,
    s1_batch_tasks_per_s: Option<f64>,
    s1_single_tasks_per_s: Option<f64>,
    /// Worker start → last callback: TaskShed 0.10 reads every due task before running
    /// the first, so its first → last figure would flatter it (see bench/peers/README.md).
    s2_burndown_per_s: Option<f64>,
    s3: Option<PeerLateness>,
    #[serde(default)]
    failed: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PeerLateness {
    p50_ms: f64,
    p99_ms: f64,
    early: u64,
}

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peers/run_peers.sh")
}

/// Runs the peer through S1–S3 and adds its figures, and TaskShed's ratios to them, to
/// the report.
pub async fn run(report: &mut Report, quick: bool, ours: Ours) -> anyhow::Result<()> {
    let mut command = tokio::process::Command::new(harness());
    command.args(["--persistence", "aof-everysec"]);
    if quick {
        command.arg("--quick");
    }
    // Progress and installer output go to our stderr; the JSON comes on stdout.
    let output = command
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .with_context(|| format!("running {}", harness().display()))?;
    let text = String::from_utf8_lossy(&output.stdout);
    let document: serde_json::Value = serde_json::from_str(text.trim()).with_context(|| {
        format!(
            "the peer harness printed no JSON (exit {:?}); see its output above",
            output.status.code()
        )
    })?;
    let figures: PeerFigures = serde_json::from_value(document.clone())
        .context("the peer harness's JSON has an unexpected shape")?;
    report.detail("peer_python_taskshed_redis", document);
    if !figures.failed.is_empty() {
        bail!("peer scenarios failed: {}", figures.failed.join(", "));
    }
    add_rows(report, &figures, ours);
    Ok(())
}

const SCENARIO: &str = "Peer: Python TaskShed 0.10, Redis";

fn add_rows(report: &mut Report, peer: &PeerFigures, ours: Ours) {
    let setting = format!("(Redis {})", peer.persistence);
    if let Some(theirs) = peer.s1_batch_tasks_per_s {
        let (value, pass) = ratio(ours.batch_rate, theirs, "tasks/s");
        report.row(
            SCENARIO,
            &format!("S1 batch of 1,000 {setting}: peer; TaskShed ÷ peer"),
            value,
            "≥ 4×",
            pass.map(|r| r >= 4.0),
        );
    }
    if let Some(theirs) = peer.s1_single_tasks_per_s {
        let value = format!("{theirs:.0} tasks/s");
        report.row(
            SCENARIO,
            "S1 single add_task, 32 callers: peer",
            value,
            "—",
            None,
        );
    }
    if let Some(theirs) = peer.s2_burndown_per_s {
        let (value, pass) = ratio(ours.burndown_rate, theirs, "deliveries/s");
        report.row(
            SCENARIO,
            "S2 burn-down: peer; TaskShed ÷ peer",
            value,
            "≥ 4×",
            pass.map(|r| r >= 4.0),
        );
    }
    if let Some(s3) = &peer.s3 {
        let theirs_us = s3.p99_ms * 1000.0;
        let value = match ours.lateness_p99_us {
            Some(mine) => format!(
                "peer p50 {:.2} / p99 {:.2} ms, {} early; TaskShed p99 ÷ peer p99 = {:.2}",
                s3.p50_ms,
                s3.p99_ms,
                s3.early,
                mine / theirs_us
            ),
            None => format!(
                "peer p50 {:.2} / p99 {:.2} ms, {} early",
                s3.p50_ms, s3.p99_ms, s3.early
            ),
        };
        report.row(
            SCENARIO,
            "S3 lateness at 1,000/s: p99, TaskShed ÷ peer",
            value,
            "≤ ⅓",
            ours.lateness_p99_us.map(|mine| mine * 3.0 <= theirs_us),
        );
    }
}

/// "peer figure; TaskShed ÷ peer = r×", and r when TaskShed's figure is known.
fn ratio(ours: Option<f64>, theirs: f64, unit: &str) -> (String, Option<f64>) {
    match ours {
        Some(mine) if theirs > 0.0 => {
            let r = mine / theirs;
            (
                format!("{theirs:.0} {unit}; TaskShed {mine:.0} = {r:.1}×"),
                Some(r),
            )
        }
        _ => (format!("{theirs:.0} {unit}"), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> PeerFigures {
        serde_json::from_value(serde_json::json!({
            "persistence": "aof-everysec",
            "s1_batch_tasks_per_s": 25000.0,
            "s1_single_tasks_per_s": 8000.0,
            "s2_burndown_per_s": 4000.0,
            "s3": {"rate": 1000, "p50_ms": 1.0, "p99_ms": 3.0, "max_ms": 9.0, "early": 0},
            "failed": []
        }))
        .unwrap()
    }

    #[test]
    fn ratios_are_judged_against_the_goals() {
        let mut report = Report::default();
        let ours = Ours {
            batch_rate: Some(120_000.0),
            burndown_rate: Some(15_000.0),
            lateness_p99_us: Some(900.0),
        };
        add_rows(&mut report, &peer(), ours);
        let verdicts: Vec<Option<bool>> = report.rows.iter().map(|r| r.pass).collect();
        // 4.8× on S1 (met), 3.75× on S2 (missed), 0.3 of the peer's p99 (met).
        assert_eq!(verdicts, [Some(true), None, Some(false), Some(true)]);
        assert!(
            report.rows[0].value.contains("4.8×"),
            "{}",
            report.rows[0].value
        );
    }

    #[test]
    fn without_our_figures_the_peer_is_shown_but_not_judged() {
        let mut report = Report::default();
        add_rows(&mut report, &peer(), Ours::default());
        assert!(report.rows.iter().all(|r| r.pass.is_none()));
        assert_eq!(report.rows[0].value, "25000 tasks/s");
    }
}
