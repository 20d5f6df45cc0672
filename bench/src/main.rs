//! `taskshed-bench`: starts a durable PostgreSQL and TaskShed the way the tests do, plus
//! a fast webhook receiver in this process, drives load through the public HTTP API and
//! prints a table of figures against the goals of the benchmark issue.
//!
//! ```text
//! cargo build --profile dist --workspace   # taskshed + taskshed-bench, side by side
//! cargo run --profile dist -p taskshed-bench -- all
//! cargo run --profile dist -p taskshed-bench -- --quick all      # small sizes, ~1 minute
//! cargo run --profile dist -p taskshed-bench -- --repeat 3 lateness  # rounds side by side
//! ```
//! The bench starts the `taskshed` binary found next to its own executable, so build both
//! with the same profile (`dist`, the image's, is the one the published figures use).
//! Scenarios: `insert` (S1), `insert-schema` (S1's batch of 1,000 without and with a
//! callback `kwargs_schema`, alternating), `burndown` (S2, S5 under load), `lateness` (S3),
//! `idle` (S4, S5 idle), `ceilings`, `peers` (Python TaskShed 0.10 on Redis through S1–S3,
//! after ours, with the ratios the goals set: see `peers.rs`), or `all`. `soak --minutes N`
//! (not part of `all`) runs steady load for N minutes with a ledger and per-minute RSS and
//! table sizes (`soak.rs`); it prints its figures and writes no result files. TaskShed tuning variables
//! (`TASKSHED_MAX_IN_FLIGHT`, `TASKSHED_CLAIM_BATCH`, `TASKSHED_DB_POOL_SIZE`, …) set in
//! the environment pass through to the `taskshed` process. `BENCH_API_KEY=tsk_…` starts
//! TaskShed with that key as `TASKSHED_ADMIN_KEY` (auth enforced) and sends it on every
//! request: run `insert` with and without it to measure what key checking costs.
//!
//! Results: the table on stdout, and `<out>/results.json`, `<out>/results.md` and SVG
//! charts in `<out>` (default `bench/results/`).

mod harness;
mod kwargs_contract;
mod load;
mod peers;
mod receiver;
mod report;
mod scenarios;
mod soak;
mod svg;

use anyhow::Context;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "taskshed-bench",
    about = "End-to-end benchmark of TaskShed on PostgreSQL"
)]
struct Args {
    /// Scenarios: all, insert, insert-schema, burndown, lateness, idle, ceilings, peers (or
    /// shell: only start the database and print its URL, for profiling by hand; or soak,
    /// alone).
    #[arg(default_value = "all")]
    scenarios: Vec<String>,
    /// Small sizes (a smoke run), not the issue's.
    #[arg(long)]
    quick: bool,
    /// Where results and charts go.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Lateness rates to run (tasks due per second).
    #[arg(long, value_delimiter = ',', default_value = "1000,5000")]
    rates: Vec<usize>,
    /// Run the chosen scenarios this many times in a row and report every round side by
    /// side (JSON details and charts are from the last round).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    repeat: u32,
    /// What the S2 burn-down's due tasks are: `once` (the issue's S2), `interval`
    /// (recurring, `P1D`) or `cron` (`0 0 * * *` in America/New_York): each of the last
    /// two computes its next occurrence when it finishes (issue 15: cron within 10% of
    /// interval).
    #[arg(long, default_value = "once", value_parser = ["once", "interval", "cron"])]
    burndown_kind: String,
    /// `soak`: how many minutes of steady load.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1440))]
    minutes: u64,
    /// `soak`: tasks created per second.
    #[arg(long, default_value_t = 1000)]
    soak_rate: usize,
    /// `soak`: TaskShed's `--retention` in seconds, short so pruning runs within the first
    /// minute.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    soak_retention_seconds: u64,
}

fn machine() -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = read("/proc/meminfo")
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!("{:.1} GiB", kb / 1048576.0))
        .unwrap_or_default();
    vec![
        ("cpu".into(), format!("{model}, {cores} cores")),
        ("memory".into(), mem),
        (
            "kernel".into(),
            read("/proc/sys/kernel/osrelease").trim().to_owned(),
        ),
        (
            "load average".into(),
            read("/proc/loadavg").trim().to_owned(),
        ),
    ]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let all = args.scenarios.iter().any(|s| s == "all");
    let wants = |name: &str| all || args.scenarios.iter().any(|s| s == name);
    for s in &args.scenarios {
        if ![
            "all",
            "insert",
            "insert-schema",
            "burndown",
            "lateness",
            "idle",
            "ceilings",
            "peers",
            "shell",
            "soak",
        ]
        .contains(&s.as_str())
        {
            anyhow::bail!("unknown scenario {s:?}");
        }
    }
    if args.scenarios.iter().any(|s| s == "soak") {
        if args.scenarios.len() > 1 {
            anyhow::bail!("soak runs alone");
        }
        return soak(&args).await;
    }
    std::fs::create_dir_all(&args.out)?;
    let dir = PathBuf::from(format!("/tmp/taskshed-bench-{}", std::process::id()));
    let at_start = machine();
    eprintln!("starting PostgreSQL in {}", dir.display());
    let db = harness::Database::start(&dir).await?;
    let settings = db.settings().await?;
    let receiver = receiver::Receiver::start().await?;
    let sizes = if args.quick {
        scenarios::Sizes::quick()
    } else {
        scenarios::Sizes::full()
    };
    let mut bench = scenarios::Bench::new(db, receiver, sizes);
    bench.burndown_kind = args.burndown_kind.clone();
    let mut rounds = Vec::new();
    let mut outcome = Ok(());
    for round in 1..=args.repeat {
        if args.repeat > 1 {
            eprintln!("round {round} of {}", args.repeat);
        }
        bench.charts.clear();
        outcome = run(&mut bench, &args, &wants).await;
        rounds.push(bench.report.take_rows());
        if let Err(error) = &outcome {
            eprintln!("benchmark failed: {error:#}");
            break;
        }
    }

    let mut environment = machine();
    environment.insert(3, ("load average at start".into(), at_start[3].1.clone()));
    environment.push(("quick".into(), args.quick.to_string()));
    let mut text = String::from("## Machine\n\n");
    for (k, v) in &environment {
        text.push_str(&format!("- {k}: {v}\n"));
    }
    text.push_str("\n## PostgreSQL settings\n\n");
    for (k, v) in &settings {
        text.push_str(&format!("- {k} = {v}\n"));
    }
    text.push_str("\n## Results\n\n");
    if rounds.len() == 1 {
        bench.report.rows = rounds.pop().unwrap_or_default();
        text.push_str(&bench.report.markdown());
    } else {
        text.push_str(&report::markdown_rounds(&rounds));
    }
    println!("{text}");
    std::fs::write(args.out.join("results.md"), &text)?;
    bench.report.detail(
        "environment",
        serde_json::json!({"machine": environment, "postgres": settings}),
    );
    std::fs::write(
        args.out.join("results.json"),
        serde_json::to_string_pretty(&serde_json::Value::Object(bench.report.details.clone()))?,
    )?;
    for (name, svg) in &bench.charts {
        std::fs::write(args.out.join(name), svg)?;
    }
    let scenarios::Bench { db, .. } = bench;
    db.admin.close().await;
    db.pg.stop().await.context("stopping PostgreSQL")?;
    if outcome.is_ok() && std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("kept {} (taskshed.log, postgres.log)", dir.display());
    }
    outcome
}

/// `soak`: its own database and receiver, no result files.
async fn soak(args: &Args) -> anyhow::Result<()> {
    let dir = PathBuf::from(format!("/tmp/taskshed-bench-{}", std::process::id()));
    eprintln!("starting PostgreSQL in {}", dir.display());
    let db = harness::Database::start(&dir).await?;
    let receiver = receiver::Receiver::start().await?;
    let mut bench = scenarios::Bench::new(db, receiver, scenarios::Sizes::quick());
    let outcome = bench
        .soak(&soak::SoakSettings {
            minutes: args.minutes,
            rate: args.soak_rate,
            retention_seconds: args.soak_retention_seconds,
        })
        .await;
    let scenarios::Bench { db, .. } = bench;
    db.admin.close().await;
    db.pg.stop().await.context("stopping PostgreSQL")?;
    if outcome.is_ok() && std::env::var_os("BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("kept {} (taskshed.log, postgres.log)", dir.display());
    }
    outcome
}

async fn run(
    bench: &mut scenarios::Bench,
    args: &Args,
    wants: &dyn Fn(&str) -> bool,
) -> anyhow::Result<()> {
    if args.scenarios.iter().any(|s| s == "shell") {
        // For profiling by hand: the database (with the bench callback), until Ctrl-C.
        sqlx::query(
            "insert into callbacks (name, url, timeout_us, max_attempts, \
                     initial_backoff_us, max_backoff_us, secret) values ('bench', $1, 10000000, \
                     5, 1000000, 60000000, $2) on conflict do nothing",
        )
        .bind(&bench.receiver.url)
        .bind(receiver::SECRET)
        .execute(&bench.db.admin)
        .await?;
        println!("DATABASE_URL={}", bench.db.url);
        tokio::signal::ctrl_c().await?;
        return Ok(());
    }
    if wants("insert") {
        eprintln!("S1 insert");
        bench.insert().await.context("S1 insert")?;
    }
    if wants("insert-schema") {
        eprintln!("S1 insert with and without a kwargs schema");
        bench
            .insert_schema()
            .await
            .context("S1 insert, kwargs schema")?;
    }
    if wants("burndown") {
        eprintln!("S2 burn-down");
        bench.burndown().await.context("S2 burn-down")?;
    }
    if wants("lateness") {
        let mut series = Vec::new();
        for rate in &args.rates {
            eprintln!("S3 lateness at {rate}/s");
            series.push(bench.lateness(*rate).await.context("S3 lateness")?);
        }
        // The x axis ends at the largest p99.9 (the tail beyond is in the table).
        let x_max = series
            .iter()
            .filter_map(|s| s.points.iter().find(|(_, f)| *f >= 0.999).map(|p| p.0))
            .fold(1.0, f64::max);
        bench.charts.push((
            "lateness-cdf.svg".into(),
            svg::line_chart(
                "S3 lateness: receipt time − run_at (cumulative fraction of deliveries)",
                "lateness, ms",
                "fraction delivered",
                &series,
                x_max * 1.05,
                1.0,
            ),
        ));
    }
    if wants("idle") {
        eprintln!("S4/S5 idle");
        bench.idle().await.context("S4 idle")?;
    }
    if wants("ceilings") {
        eprintln!("ceilings");
        bench.sql_ceiling().await.context("SQL ceiling")?;
        bench.receiver_ceiling().await.context("receiver ceiling")?;
    }
    if wants("peers") {
        eprintln!("peers: Python TaskShed 0.10 on Redis");
        let ours = peers::Ours {
            batch_rate: bench.batch_rate,
            burndown_rate: bench.burndown_rate,
            lateness_p99_us: bench.lateness_p99_1000_us,
        };
        peers::run(&mut bench.report, args.quick, ours)
            .await
            .context("peers")?;
    }
    if let (Some(s2), Some(sql), Some(recv)) = (
        bench.burndown_rate,
        bench.sql_ceiling,
        bench.receiver_ceiling,
    ) {
        let lower = sql.min(recv);
        bench.report.row(
            "S2 vs ceilings",
            "S2 as a fraction of the lower ceiling",
            format!("{:.0}% of {lower:.0}/s", s2 / lower * 100.0),
            "—",
            None,
        );
    }
    Ok(())
}
