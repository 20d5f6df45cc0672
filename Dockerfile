# TaskShed container image.
#
#   docker build -t taskshed .
#   docker run --rm -p 8080:8080 -e DATABASE_URL=postgres://user:pass@db:5432/taskshed taskshed
#
# DATABASE_URL is required in the container: the image carries no PostgreSQL server, so the
# binary's embedded-PostgreSQL mode (used when DATABASE_URL is absent) cannot start here and
# the process exits with an explanation. Every other setting has a default; see
# `docker run --rm taskshed --help` for the TASKSHED_* variables.

# ---- build ------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /build

# Dependencies first, against placeholder sources: this layer is reused until a Cargo.toml
# or Cargo.lock changes, so editing TaskShed's code does not recompile the dependency tree.
# The repository is a Cargo workspace (the service at the root, the benchmark in bench/):
# cargo needs every member's manifest and a target for it to load the workspace, so
# bench/ gets its Cargo.toml and a placeholder main.rs, and is never compiled here
# (`-p taskshed`). The `dist` profile is the release profile plus fat LTO and one codegen
# unit (Cargo.toml): a slower build, a faster binary; the result is in target/dist/.
COPY Cargo.toml Cargo.lock ./
COPY bench/Cargo.toml ./bench/
RUN mkdir src bench/src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > bench/src/main.rs \
    && cargo build --profile dist --locked -p taskshed \
    && rm -rf src

# The real sources. `sqlx::migrate!` embeds migrations/ at compile time. COPY keeps the
# files' old modification times, which can predate the placeholder build, so touch the
# crate roots to make cargo rebuild TaskShed itself.
COPY migrations ./migrations
COPY src ./src
RUN touch src/main.rs src/lib.rs \
    && cargo build --profile dist --locked -p taskshed \
    && install -m 0755 target/dist/taskshed /usr/local/bin/taskshed

# ---- runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates only. TaskShed's HTTPS client carries its own Mozilla root set (webpki-roots),
# so the system bundle is a safety net for anything that reads /etc/ssl/certs. No PostgreSQL,
# no curl.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 taskshed \
    && useradd --system --uid 10001 --gid taskshed --home-dir /var/lib/taskshed \
       --create-home --shell /usr/sbin/nologin taskshed

COPY --from=builder /usr/local/bin/taskshed /usr/local/bin/taskshed

# The `taskshed` user, by number, so orchestrators enforcing runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /var/lib/taskshed

# Listen on all interfaces inside the container (the binary's default is loopback only).
# Listening beyond loopback, TaskShed refuses to start while no API key exists: give it one
# with TASKSHED_ADMIN_KEY=tsk_… (installed with scope `admin` at start; README, "Security"),
# or run `taskshed keys create` against the database first. TASKSHED_INSECURE_NO_AUTH=1
# serves without keys; only behind something else that authenticates.
# TASKSHED_ENCRYPTION_KEY (base64 of 32 bytes, `openssl rand -base64 32`, the same for every
# replica): signing secrets and callback header values are stored encrypted with it; without
# it they are stored as they are and the process says so at start.
ENV TASKSHED_LISTEN=0.0.0.0:8080
EXPOSE 8080

# Readiness without curl (the slim image has none): bash's /dev/tcp speaks just enough HTTP
# to ask /readyz, which answers 200 only when the database is reachable and migrated.
# Assumes the default port; change it here too if you change TASKSHED_LISTEN.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /readyz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

# SIGTERM (docker stop) drains in-flight deliveries for TASKSHED_SHUTDOWN_GRACE (PT30S by
# default): give containers a stop timeout at least that long.
STOPSIGNAL SIGTERM
ENTRYPOINT ["taskshed"]
CMD ["serve"]
