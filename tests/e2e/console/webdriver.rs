//! Just enough of a W3C WebDriver client to drive Debian's `chromium` through its
//! `chromedriver`: sessions, navigation, elements, script, screenshots.
//!
//! WebDriver is JSON over HTTP, and the e2e tests already have `reqwest`; a few calls
//! written out here cost less than a client crate and its dependency tree on every build.
//! The browser must be installed (`apt-get install chromium chromium-driver`): a test that
//! needs it fails with that instruction rather than skipping, so CI cannot pass without
//! having run it.

use base64::Engine as _;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};

/// The key W3C WebDriver uses for element references in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
/// WebDriver's code for the Tab key.
pub const TAB: char = '\u{E004}';
/// WebDriver's code for the Enter key.
pub const ENTER: char = '\u{E007}';
/// How long a wait for the page may take on a busy shared machine.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

const INSTALL_HINT: &str = "the console tests drive a real headless Chromium: install it with \
    `apt-get install -y chromium chromium-driver` (or set CHROMIUM and CHROMEDRIVER to the \
    browser and driver binaries)";

fn find_program(env: &str, names: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("{} not found; {INSTALL_HINT}", names[0]))
}

/// A `chromedriver` process and one headless Chromium session on it; both end on drop.
pub struct Browser {
    client: reqwest::Client,
    session: String,
    driver: Child,
    profile: PathBuf,
}

/// A reference to an element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    pub async fn start() -> Browser {
        let chromium = find_program(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let chromedriver = find_program("CHROMEDRIVER", &["chromedriver"]);
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind :0");
            listener.local_addr().unwrap().port()
        };
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}; {INSTALL_HINT}",
                    chromedriver.display()
                )
            });
        let profile = std::env::temp_dir().join(format!(
            "taskshed-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
        loop {
            let ready = client.get(format!("{base}/status")).send().await;
            if let Ok(response) = ready {
                let body: Value = response.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not become ready; {INSTALL_HINT}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The closed network refuses the browser's own background connections; these
        // flags keep it from trying, so nothing but the page under test talks.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1280,800",
            "--lang=en-US",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([format!("--user-data-dir={}", profile.display())])
        .collect::<Vec<_>>();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let answer = client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("create a WebDriver session");
        let answer: Value = answer.json().await.expect("session answer");
        let session = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| {
                panic!("chromedriver refused the session: {answer:#}; {INSTALL_HINT}")
            })
            .to_owned();
        Browser {
            client,
            session: format!("{base}/session/{session}"),
            driver,
            profile,
        }
    }

    /// One WebDriver command; panics with the driver's error.
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        } else if method == reqwest::Method::POST {
            request = request.json(&json!({}));
        }
        let response = request.send().await.expect("WebDriver request");
        let status = response.status();
        let body: Value = response.json().await.expect("WebDriver answer");
        assert!(
            status.is_success(),
            "WebDriver {method} {path} failed ({status}): {body:#}"
        );
        body["value"].clone()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        self.command(reqwest::Method::GET, path, None).await
    }

    /// Sets the viewport (not the window) to exactly `width`×`height` CSS pixels; `mobile`
    /// also makes the page lay out as on a phone.
    pub async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.post(
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
            }}),
        )
        .await;
    }

    /// Makes the page run in time zone `zone` (IANA name), whatever the machine's is.
    pub async fn time_zone(&self, zone: &str) {
        self.post(
            "/goog/cdp/execute",
            json!({"cmd": "Emulation.setTimezoneOverride", "params": {"timezoneId": zone}}),
        )
        .await;
    }

    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Polls `script` until it returns something truthy, and returns that.
    #[track_caller]
    pub fn wait_for<'a>(
        &'a self,
        what: &'a str,
        script: &'a str,
    ) -> impl std::future::Future<Output = Value> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
            loop {
                let value = self.eval(script, vec![]).await;
                let truthy = match &value {
                    Value::Null | Value::Bool(false) => false,
                    Value::String(s) => !s.is_empty(),
                    Value::Number(n) => n.as_f64() != Some(0.0),
                    _ => true,
                };
                if truthy {
                    return value;
                }
                if tokio::time::Instant::now() >= deadline {
                    let text = self
                        .eval("return document.querySelector('main').innerText", vec![])
                        .await;
                    panic!("{caller}: waited {PAGE_TIMEOUT:?} for {what}; the page shows:\n{text}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    /// The element matching a CSS selector, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
        loop {
            let found = self
                .post("/elements", json!({"using": "css selector", "value": css}))
                .await;
            if let Some(id) = found
                .as_array()
                .and_then(|a| a.first())
                .and_then(|e| e[ELEMENT_KEY].as_str())
            {
                return Element(id.to_owned());
            }
            if tokio::time::Instant::now() >= deadline {
                let text = self
                    .eval("return document.querySelector('main').innerText", vec![])
                    .await;
                panic!(
                    "no element matches `{css}` after {PAGE_TIMEOUT:?}; the page shows:\n{text}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks as a user does (the element must be visible and not covered).
    pub async fn click(&self, element: &Element) {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .await;
    }

    /// Clears a field and types `text` into it.
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.post(&format!("/element/{}/clear", element.0), json!({}))
            .await;
        self.post(
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        )
        .await;
    }

    /// Presses a key (a WebDriver key code such as [`TAB`] or [`ENTER`]) on whatever has
    /// the focus, as a keyboard user does.
    pub async fn press(&self, key: char) {
        self.post(
            "/actions",
            json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key.to_string()},
                {"type": "keyUp", "value": key.to_string()},
            ]}]}),
        )
        .await;
    }

    pub async fn text(&self, element: &Element) -> String {
        self.get(&format!("/element/{}/text", element.0))
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A PNG of the viewport, written to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let data = self.get("/screenshot").await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64 screenshot"))
            .expect("decode the screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the screenshot directory");
        }
        std::fs::write(path, png).expect("write the screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; the driver is killed on drop of its handle.
        let url = self.session.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    let _ = reqwest::Client::new()
                        .delete(url)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                });
            }
        })
        .join();
        let _ = self.driver.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
