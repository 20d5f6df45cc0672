//! Configuration: one clap struct, every option a flag and a `TASKSHED_…` environment
//! variable (plus `DATABASE_URL`), checked once at start-up.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::domain::duration::IsoDuration;
use crate::domain::egress::{CidrList, EgressMode, EgressPolicy};
use crate::domain::sealed::EncryptionKey;
use crate::store::notify::WAKE_HORIZON;

#[derive(Debug, Parser)]
#[command(name = "taskshed", version, about = "A durable, multi-instance task scheduler over HTTP, on PostgreSQL.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (YAML) and exit.
    Openapi,
    /// Re-encrypt every sealed signing secret and header value under a new key, in
    /// batches, and exit. Reads with `--encryption-key` (or the embedded default's key
    /// file, which it then replaces); safe to run again after an interruption.
    Rekey {
        /// The new key: standard base64 of 32 bytes (`openssl rand -base64 32`).
        #[arg(long, env = "TASKSHED_NEW_ENCRYPTION_KEY", hide_env_values = true, value_parser = encryption_key)]
        new_key: EncryptionKey,
    },
    /// Manage API keys directly in the database.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key and print it (the only time it is shown).
    Create {
        /// Who or what the key is for.
        #[arg(long)]
        name: String,
        /// A scope the key holds: read, tasks, callbacks or admin (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// When the key stops working (RFC 3339, e.g. 2027-01-01T00:00:00Z).
        #[arg(long)]
        expires_at: Option<String>,
    },
}

/// Which parts of TaskShed this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// The HTTP API and the delivery loop.
    All,
    /// Only the HTTP API.
    Api,
    /// Only the delivery loop (and /healthz, /readyz, /metrics).
    Worker,
}

impl Role {
    pub fn delivers(self) -> bool {
        matches!(self, Role::All | Role::Worker)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

fn encryption_key(raw: &str) -> Result<EncryptionKey, String> {
    EncryptionKey::parse(raw).map_err(|e| e.to_string())
}

fn duration(raw: &str) -> Result<IsoDuration, String> {
    IsoDuration::parse(raw)
}

fn egress_mode(raw: &str) -> Result<EgressMode, String> {
    raw.parse()
}

fn cidr_list(raw: &str) -> Result<CidrList, String> {
    raw.parse()
        .map_err(|e: crate::domain::egress::CidrListError| e.to_string())
}

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// PostgreSQL URL. When absent, TaskShed runs a private PostgreSQL in --data-dir.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Directory of the embedded PostgreSQL (used only without --database-url).
    #[arg(
        long,
        env = "TASKSHED_DATA_DIR",
        default_value = "./taskshed-data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Key that seals signing secrets and static header values at rest (XChaCha20-Poly1305):
    /// standard base64 of 32 bytes. Without it, the embedded default uses a key file in
    /// --data-dir (created on first start), and an external database stores them as they
    /// are.
    #[arg(long, env = "TASKSHED_ENCRYPTION_KEY", hide_env_values = true, global = true, value_parser = encryption_key)]
    pub encryption_key: Option<EncryptionKey>,

    /// Address the HTTP API listens on.
    #[arg(long, env = "TASKSHED_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Serve without API keys on a non-loopback address. Without it, a process that would
    /// listen beyond loopback refuses to start while no key exists.
    /// (The variable takes `1`/`0` as well as `true`/`false`.)
    #[arg(long, env = "TASKSHED_INSECURE_NO_AUTH", value_parser = clap::builder::BoolishValueParser::new())]
    pub insecure_no_auth: bool,

    /// An API key (`tsk_…`) made sure to exist, live, with scope `admin`, at start-up
    /// (for compose files and orchestrators). Generate one with `taskshed keys create`
    /// or any 32+ random bytes in base62 after `tsk_`.
    #[arg(long, env = "TASKSHED_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,

    /// Where deliveries may connect: `default` refuses link-local (cloud metadata),
    /// unspecified, broadcast, multicast, reserved and documentation addresses; `public`
    /// also refuses loopback, private, CGNAT and unique-local ones. Checked on every
    /// address a host resolves to, and on literal IPs at registration.
    #[arg(long, env = "TASKSHED_EGRESS", default_value = "default", value_parser = egress_mode)]
    pub egress: EgressMode,

    /// Comma-separated CIDRs (or addresses) deliveries may reach even though --egress
    /// refuses them, e.g. `10.1.0.0/16,fd12::/16`.
    #[arg(long, env = "TASKSHED_EGRESS_ALLOW", value_parser = cidr_list)]
    pub egress_allow: Option<CidrList>,

    /// Comma-separated CIDRs (or addresses) deliveries may never reach, whatever
    /// --egress and --egress-allow say.
    #[arg(long, env = "TASKSHED_EGRESS_DENY", value_parser = cidr_list)]
    pub egress_deny: Option<CidrList>,

    /// What this process runs: the API, the delivery loop, or both.
    #[arg(long, env = "TASKSHED_ROLE", value_enum, default_value = "all")]
    pub role: Role,

    /// Log format.
    #[arg(
        long,
        env = "TASKSHED_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` EnvFilter syntax (e.g. `info`, `taskshed=debug`).
    #[arg(long, env = "TASKSHED_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Database connections of the API (and of the `migrate`, `keys` and `rekey` commands).
    #[arg(long, env = "TASKSHED_DB_POOL_SIZE", default_value_t = 16, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub db_pool_size: u32,

    /// Database connections of the delivery engine (results, lease extensions,
    /// housekeeping, callback lookups), apart from the API's; claims use one more of
    /// their own.
    #[arg(long, env = "TASKSHED_DB_DELIVERY_POOL_SIZE", default_value_t = 8, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub db_delivery_pool_size: u32,

    /// PostgreSQL `statement_timeout` of every connection (idle-in-transaction sessions
    /// end after twice this); the delivery engine also gives up waiting for an answer a
    /// little later, to notice a half-open connection.
    #[arg(long, env = "TASKSHED_DB_STATEMENT_TIMEOUT", default_value = "PT30S", value_parser = duration)]
    pub db_statement_timeout: IsoDuration,

    /// Largest batch body (`POST /v1/tasks/batch`), in bytes. Every other body may be at
    /// most --max-kwargs-bytes plus 64 KiB.
    #[arg(long, env = "TASKSHED_MAX_BODY_BYTES", default_value_t = crate::domain::limits::DEFAULT_MAX_BATCH_BYTES as u64, value_parser = clap::value_parser!(u64).range(1024..=1024 * 1024 * 1024))]
    pub max_body_bytes: u64,

    /// Largest `kwargs` of one task, in bytes as sent.
    #[arg(long, env = "TASKSHED_MAX_KWARGS_BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(2..=256 * 1024 * 1024))]
    pub max_kwargs_bytes: u64,

    /// Shortest `interval` of a recurring task.
    #[arg(long, env = "TASKSHED_MIN_INTERVAL", default_value = "PT0.01S", value_parser = duration)]
    pub min_interval: IsoDuration,

    /// Most open client connections; further ones wait to be accepted.
    #[arg(long, env = "TASKSHED_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,

    /// How long a client may take to send a request's headers, and then its body; a
    /// connection that is slower is closed.
    #[arg(long, env = "TASKSHED_READ_TIMEOUT", default_value = "PT10S", value_parser = duration)]
    pub read_timeout: IsoDuration,

    /// This instance's name in leases and attempt records (default: host-pid-random).
    #[arg(long, env = "TASKSHED_INSTANCE_ID")]
    pub instance_id: Option<String>,

    /// The name used when `--instance-id` is not given: drawn once, when the command line
    /// is parsed, so every use in this process (leases, attempt records, the final
    /// release) names the same instance.
    #[arg(skip = generated_instance_id())]
    generated_instance_id: String,

    /// Most tasks this process holds at once: claimed and waiting for their instant,
    /// being delivered, or being recorded.
    #[arg(long, env = "TASKSHED_MAX_IN_FLIGHT", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_in_flight: u32,

    /// Most tasks claimed by one claim statement.
    #[arg(long, env = "TASKSHED_CLAIM_BATCH", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub claim_batch: u32,

    /// Claim tasks this long before they are due and fire them from an in-process timer,
    /// keeping the database off the timing path.
    #[arg(long, env = "TASKSHED_LOOK_AHEAD", default_value = "PT0.2S", value_parser = duration)]
    pub look_ahead: IsoDuration,

    /// Safety poll: the delivery loop looks at the database at least this often even
    /// without notifications (at most PT60S).
    #[arg(long, env = "TASKSHED_POLL_INTERVAL", default_value = "PT10S", value_parser = duration)]
    pub poll_interval: IsoDuration,

    /// Lease slack beyond a callback's timeout; after the lease, a crashed instance's
    /// tasks are claimed again.
    #[arg(long, env = "TASKSHED_LEASE_MARGIN", default_value = "PT15S", value_parser = duration)]
    pub lease_margin: IsoDuration,

    /// How long finished `once` tasks stay readable, and attempt records are kept, before
    /// they are pruned.
    #[arg(long, env = "TASKSHED_RETENTION", default_value = "P7D", value_parser = duration)]
    pub retention: IsoDuration,

    /// On SIGTERM/SIGINT, how long in-flight deliveries may take to finish.
    #[arg(long, env = "TASKSHED_SHUTDOWN_GRACE", default_value = "PT30S", value_parser = duration)]
    pub shutdown_grace: IsoDuration,

    /// Embedded PostgreSQL only: fsync and synchronous commit (turn off only for throwaway data).
    #[arg(long, env = "TASKSHED_EMBEDDED_DURABLE", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub embedded_durable: bool,
}

impl Config {
    /// Cross-field checks clap cannot express.
    pub fn validate(&self) -> Result<(), String> {
        if self.poll_interval > WAKE_HORIZON || self.poll_interval.as_micros() <= 0 {
            return Err(format!(
                "--poll-interval must be greater than zero and at most {WAKE_HORIZON} (got {})",
                self.poll_interval
            ));
        }
        if self.look_ahead > IsoDuration::from_secs(10) {
            return Err(format!(
                "--look-ahead must be at most PT10S (got {})",
                self.look_ahead
            ));
        }
        if self.min_interval.as_micros() <= 0 {
            return Err("--min-interval must be greater than zero".into());
        }
        if self.read_timeout.as_micros() <= 0 {
            return Err("--read-timeout must be greater than zero".into());
        }
        if self.lease_margin < IsoDuration::from_secs(1) {
            return Err("--lease-margin must be at least PT1S".into());
        }
        if self.db_statement_timeout < IsoDuration::from_secs(1)
            || self.db_statement_timeout > IsoDuration::from_secs(3600)
        {
            return Err(format!(
                "--db-statement-timeout must be between PT1S and PT1H (got {})",
                self.db_statement_timeout
            ));
        }
        if self.retention.as_micros() <= 0 {
            return Err("--retention must be greater than zero".into());
        }
        if let Some(key) = &self.admin_key {
            crate::domain::api_key::ApiKey::parse(key)
                .map_err(|e| format!("--admin-key / TASKSHED_ADMIN_KEY: {e}"))?;
        }
        if let Some(id) = &self.instance_id {
            crate::domain::ids::Id::parse(id).map_err(|m| format!("--instance-id {m}"))?;
        }
        Ok(())
    }

    /// The egress policy of `--egress`, `--egress-allow` and `--egress-deny`.
    pub fn egress_policy(&self) -> EgressPolicy {
        let list = |l: &Option<CidrList>| l.as_ref().map(|l| l.0.clone()).unwrap_or_default();
        EgressPolicy::new(
            self.egress,
            list(&self.egress_allow),
            list(&self.egress_deny),
        )
    }

    /// This instance's name: `--instance-id`, or the one generated at parse time. The same
    /// at every call.
    pub fn instance_id(&self) -> &str {
        self.instance_id
            .as_deref()
            .unwrap_or(&self.generated_instance_id)
    }
}

/// host-pid-random, for an instance started without `--instance-id`.
fn generated_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".to_owned());
    let suffix: u32 = rand::random::<u32>() % 0x10000;
    format!("{host}-{}-{suffix:04x}", std::process::id())
}
