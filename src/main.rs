//! The `taskshed` binary: parse configuration, set up logging, run until a signal.

use clap::Parser;

/// mimalloc instead of glibc malloc: a profile of the delivery burn-down showed a quarter
/// of TaskShed's CPU in glibc malloc/free (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use taskshed::{Cli, Command, LogFormat};
use tokio_util::sync::CancellationToken;

fn init_tracing(format: LogFormat, filter: &str) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|e| anyhow::anyhow!("--log / TASKSHED_LOG is not a valid filter: {e}"))?;
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Pretty => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
    }
    Ok(())
}

/// Cancels `token` on the first SIGINT or SIGTERM.
fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("could not install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received, shutting down"),
            _ = int.recv() => tracing::info!("SIGINT received, shutting down"),
        }
        token.cancel();
    });
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Err(error) = init_tracing(cli.config.log_format, &cli.config.log) {
        eprintln!("taskshed: {error:#}");
        return std::process::ExitCode::from(2);
    }
    if let Err(message) = cli.config.validate() {
        eprintln!("taskshed: invalid configuration: {message}");
        return std::process::ExitCode::from(2);
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => taskshed::openapi()
            .to_yaml()
            .map(|yaml| print!("{yaml}"))
            .map_err(anyhow::Error::from),
        Command::Migrate => migrate(&cli.config).await,
        Command::Keys(command) => taskshed::keys(&cli.config, command).await,
        Command::Rekey { new_key } => taskshed::rekey(&cli.config, &new_key).await,
        Command::Serve => {
            let shutdown = CancellationToken::new();
            cancel_on_signal(shutdown.clone());
            taskshed::run(cli.config, shutdown).await
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("taskshed: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn migrate(config: &taskshed::Config) -> anyhow::Result<()> {
    let database = taskshed::Database::open(config).await?;
    taskshed::migrate(&database.pool).await?;
    tracing::info!("migrations applied");
    database.close().await
}
