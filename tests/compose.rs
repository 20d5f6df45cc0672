//! Checks that `docker-compose.yml` and the `Dockerfile` are wired the way the deployment
//! docs promise, without a Docker engine: the files are parsed and inspected as data.
//!
//! What would otherwise only fail at `docker compose up` time: a replica started before
//! PostgreSQL accepts connections, a `DATABASE_URL` pointing at the wrong host, two replicas
//! fighting over one host port, a misspelt `TASKSHED_…` variable that the binary silently
//! ignores, or an image that runs as root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

fn compose() -> Value {
    serde_yaml::from_str(&read("docker-compose.yml")).expect("docker-compose.yml is valid YAML")
}

fn service<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("docker-compose.yml has no service `{name}`"))
}

/// A service's environment, whichever of compose's two spellings it uses
/// (`KEY: value` map or `- KEY=value` list).
fn environment(service: &Value) -> BTreeMap<String, String> {
    match service.get("environment") {
        None => BTreeMap::new(),
        Some(Value::Mapping(map)) => map
            .iter()
            .map(|(k, v)| {
                let key = k.as_str().expect("environment keys are strings").to_owned();
                let value = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    other => panic!("environment {key}: unexpected value {other:?}"),
                };
                (key, value)
            })
            .collect(),
        Some(Value::Sequence(items)) => items
            .iter()
            .map(|item| {
                let text = item.as_str().expect("environment entries are strings");
                let (k, v) = text.split_once('=').unwrap_or((text, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        Some(other) => panic!("environment: unexpected shape {other:?}"),
    }
}

#[test]
fn compose_has_postgres_and_taskshed() {
    let doc = compose();
    service(&doc, "postgres");
    service(&doc, "taskshed");
}

#[test]
fn postgres_keeps_its_data_and_reports_health() {
    let doc = compose();
    let pg = service(&doc, "postgres");

    let volumes = pg
        .get("volumes")
        .and_then(Value::as_sequence)
        .expect("postgres has volumes");
    let data_volume = volumes
        .iter()
        .filter_map(Value::as_str)
        .find(|v| v.ends_with(":/var/lib/postgresql/data"))
        .expect("postgres mounts a volume on /var/lib/postgresql/data");
    let volume_name = data_volume.split(':').next().unwrap();
    assert!(
        doc.get("volumes")
            .and_then(|v| v.get(volume_name))
            .is_some(),
        "named volume `{volume_name}` is declared under top-level `volumes`"
    );

    let test = pg
        .get("healthcheck")
        .and_then(|h| h.get("test"))
        .expect("postgres has a healthcheck test");
    let test_text = serde_yaml::to_string(test).unwrap();
    assert!(
        test_text.contains("pg_isready"),
        "healthcheck uses pg_isready: {test_text}"
    );

    let env = environment(pg);
    for key in ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"] {
        assert_eq!(env.get(key).map(String::as_str), Some("taskshed"), "{key}");
    }
}

#[test]
fn taskshed_waits_for_a_healthy_postgres() {
    let doc = compose();
    let condition = service(&doc, "taskshed")
        .get("depends_on")
        .and_then(|d| d.get("postgres"))
        .and_then(|p| p.get("condition"))
        .and_then(Value::as_str);
    assert_eq!(condition, Some("service_healthy"));
}

#[test]
fn taskshed_runs_two_replicas_with_one_host_port_each() {
    let doc = compose();
    let taskshed = service(&doc, "taskshed");
    let replicas = taskshed
        .get("deploy")
        .and_then(|d| d.get("replicas"))
        .and_then(Value::as_u64)
        .expect("taskshed sets deploy.replicas");
    assert_eq!(replicas, 2);
    assert!(
        taskshed.get("container_name").is_none(),
        "container_name would stop compose from starting more than one replica"
    );

    // `HOST_RANGE:CONTAINER`: every replica needs its own host port.
    let ports = taskshed
        .get("ports")
        .and_then(Value::as_sequence)
        .expect("taskshed publishes ports");
    let mapping = ports
        .iter()
        .filter_map(Value::as_str)
        .find(|p| p.ends_with(":8080"))
        .expect("container port 8080 is published");
    let host = mapping.rsplit_once(':').unwrap().0;
    let host = host.rsplit_once(':').map_or(host, |(_ip, ports)| ports);
    let (first, last) = host.split_once('-').unwrap_or((host, host));
    let (first, last): (u64, u64) = (first.parse().unwrap(), last.parse().unwrap());
    assert!(
        last >= first && last - first + 1 >= replicas,
        "host port range {host} must hold one port per replica ({replicas})"
    );
}

#[test]
fn taskshed_points_at_the_postgres_service() {
    let doc = compose();
    let env = environment(service(&doc, "taskshed"));
    let url = env
        .get("DATABASE_URL")
        .expect("taskshed sets DATABASE_URL (the image has no embedded PostgreSQL)");
    let url = reqwest::Url::parse(url).expect("DATABASE_URL is a URL");
    assert!(matches!(url.scheme(), "postgres" | "postgresql"), "{url}");
    assert_eq!(url.host_str(), Some("postgres"), "{url}");
    assert_eq!(url.port_or_known_default().or(Some(5432)), Some(5432));
    assert_eq!(url.path(), "/taskshed");
    assert_eq!(
        env.get("TASKSHED_LOG_FORMAT").map(String::as_str),
        Some("json")
    );
}

/// Every `TASKSHED_…` variable set in the deployment files must be one the binary reads;
/// clap ignores unknown environment variables, so a typo would pass silently.
#[test]
fn deployment_variables_exist_in_the_config() {
    let config = read("src/config.rs");
    let mut names: Vec<String> = environment(service(&compose(), "taskshed"))
        .into_keys()
        .collect();
    for line in read("Dockerfile").lines() {
        if let Some(rest) = line.trim().strip_prefix("ENV ") {
            names.extend(
                rest.split_whitespace()
                    .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_owned())),
            );
        }
    }
    assert!(names.iter().any(|n| n == "TASKSHED_LISTEN"));
    for name in names.iter().filter(|n| n.starts_with("TASKSHED_")) {
        assert!(
            config.contains(&format!("env = \"{name}\"")),
            "{name} is not read by src/config.rs"
        );
    }
}

#[test]
fn dockerfile_is_multi_stage_and_runs_unprivileged() {
    let dockerfile = read("Dockerfile");
    // Instructions only: no comments, continuation lines folded into their instruction.
    let instructions: Vec<String> = dockerfile
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let keyword = |l: &String| l.split_whitespace().next().unwrap().to_ascii_uppercase();

    let stages = instructions.iter().filter(|l| keyword(l) == "FROM").count();
    assert!(
        stages >= 2,
        "a build stage and a runtime stage, got {stages}"
    );

    // The user in effect at the end of the last stage is the one the container runs as.
    let last_stage = instructions
        .iter()
        .rposition(|l| keyword(l) == "FROM")
        .unwrap();
    let user = instructions[last_stage..]
        .iter()
        .rfind(|l| keyword(l) == "USER")
        .expect("the runtime stage sets USER");
    let user = user.split_whitespace().nth(1).expect("USER has a value");
    let name_or_uid = user.split(':').next().unwrap();
    assert!(
        !matches!(name_or_uid, "root" | "0"),
        "the container must not run as root (USER {user})"
    );

    assert!(instructions.iter().any(|l| l == "EXPOSE 8080"));
    assert!(instructions
        .iter()
        .any(|l| l == r#"ENTRYPOINT ["taskshed"]"#));
}

#[test]
fn keys_come_from_env_and_ports_stay_on_loopback() {
    let doc = compose();
    let taskshed = service(&doc, "taskshed");
    let env = environment(taskshed);
    for name in ["TASKSHED_ADMIN_KEY", "TASKSHED_ENCRYPTION_KEY"] {
        let value = env.get(name).unwrap_or_else(|| panic!("{name} is not set"));
        // `${NAME:?message}`: compose refuses to start without it, so `.env` must hold it.
        assert!(
            value.starts_with(&format!("${{{name}:?")),
            "{name} must be required from the environment, got {value:?}"
        );
    }
    let ports = taskshed["ports"].as_sequence().expect("ports");
    assert!(!ports.is_empty());
    for port in ports {
        let port = port.as_str().expect("short port syntax");
        assert!(
            port.starts_with("127.0.0.1:"),
            "{port} publishes beyond the host's loopback"
        );
    }
    assert!(
        read("Dockerfile").contains("TASKSHED_ENCRYPTION_KEY"),
        "the Dockerfile documents the encryption key"
    );
}
