//! A headless Chromium driven through WebDriver (Debian's `chromium` and `chromium-driver`),
//! with the few W3C WebDriver commands the portal page tests use, spoken over HTTP to a
//! `chromedriver` on a free port of 127.0.0.1.
//!
//! The browser resolves no host but 127.0.0.1 and keeps its background services off, so a test
//! never reaches anything outside the machine (a portal logo on another host fails to load).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// What to do when the browser is missing.
const INSTALL: &str = "install Debian's Chromium and its WebDriver with \
                       `apt-get install -y chromium chromium-driver` (`bash .ci/run` does)";

/// The key WebDriver uses for element references in answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A desktop and a phone viewport, named for screenshots.
pub(crate) const DESKTOP: (&str, u32, u32) = ("desktop", 1280, 800);
pub(crate) const PHONE: (&str, u32, u32) = ("phone", 390, 844);

/// A running `chromedriver` with one headless browser session.
pub(crate) struct Browser {
    driver: tokio::process::Child,
    client: reqwest::Client,
    session: String,
}

/// An element found on the current page.
pub(crate) struct Element<'a> {
    browser: &'a Browser,
    id: String,
}

impl Browser {
    /// Starts `chromedriver` and a headless Chromium; fails the test, saying how to install
    /// them, when they are missing.
    pub(crate) async fn start() -> Self {
        let driver_path = find_program("chromedriver")
            .unwrap_or_else(|| panic!("chromedriver is not installed: {INSTALL}"));
        let chromium = ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
            .or_else(|| find_program("chromium"))
            .unwrap_or_else(|| panic!("chromium is not installed: {INSTALL}"));
        let port = free_port();
        let driver = tokio::process::Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        wait_until_ready(&client, &base).await;

        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,800", "--no-first-run", "--no-default-browser-check",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-default-apps", "--disable-extensions",
                    "--disable-domain-reliability", "--no-proxy-server",
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                ],
            },
        }}});
        let answer = send(
            &client,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(capabilities),
        )
        .await;
        let session = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver starts a Chromium session: {answer}"))
            .to_owned();
        Self {
            driver,
            client,
            session: format!("{base}/session/{session}"),
        }
    }

    /// Opens `url` and waits for it to load.
    pub(crate) async fn open(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    /// The address of the current page.
    pub(crate) async fn url(&self) -> String {
        self.get("/url").await.as_str().unwrap().to_owned()
    }

    /// The current page's title.
    pub(crate) async fn title(&self) -> String {
        self.get("/title").await.as_str().unwrap().to_owned()
    }

    /// The HTML of the current page as the browser holds it.
    pub(crate) async fn source(&self) -> String {
        self.get("/source").await.as_str().unwrap().to_owned()
    }

    /// The first element matching the CSS selector; fails the test when there is none.
    pub(crate) async fn find(&self, css: &str) -> Element<'_> {
        let found = self
            .try_post("/element", json!({"using": "css selector", "value": css}))
            .await
            .unwrap_or_else(|err| panic!("no element matches {css:?} on the page: {err}"));
        Element {
            browser: self,
            id: found[ELEMENT].as_str().unwrap().to_owned(),
        }
    }

    /// Clicks the first element matching `css` and waits until the page it leads to is loaded.
    pub(crate) async fn click_through(&self, css: &str) {
        let page = self.find("html").await;
        self.find(css).await.click().await;
        page.wait_until_gone().await;
    }

    /// Types `text` into the field matching `css`, presses Enter, as a keyboard user sends a
    /// form, and waits until the page it leads to is loaded.
    pub(crate) async fn submit_with_enter(&self, css: &str, text: &str) {
        let page = self.find("html").await;
        self.find(css)
            .await
            .type_text(&format!("{text}\u{E007}"))
            .await;
        page.wait_until_gone().await;
    }

    /// Types `text` with the keyboard into whatever has the focus (`\u{E004}` is Tab,
    /// `\u{E007}` Enter).
    pub(crate) async fn keys(&self, text: &str) {
        let mut actions = Vec::new();
        for key in text.chars() {
            actions.push(json!({"type": "keyDown", "value": key.to_string()}));
            actions.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.post("/actions", body).await;
    }

    /// The `id` attribute, else the text, of the element that has the focus.
    pub(crate) async fn focused(&self) -> String {
        let found = self.get("/element/active").await;
        let element = Element {
            browser: self,
            id: found[ELEMENT].as_str().unwrap().to_owned(),
        };
        let id = element.attribute("id").await;
        if id.is_empty() {
            element.text().await
        } else {
            id
        }
    }

    /// How many elements match the CSS selector.
    pub(crate) async fn count(&self, css: &str) -> usize {
        let found = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await;
        found.as_array().map_or(0, Vec::len)
    }

    /// The visible text of the first element matching `css`.
    pub(crate) async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await
    }

    /// The text of an open alert, confirm or prompt dialog, if one is open.
    pub(crate) async fn open_dialog(&self) -> Option<String> {
        let answer = self.try_get("/alert/text").await.ok()?;
        Some(answer.as_str().unwrap_or_default().to_owned())
    }

    /// The value of the cookie `name`, HttpOnly ones included.
    pub(crate) async fn cookie(&self, name: &str) -> Option<String> {
        let answer = self.try_get(&format!("/cookie/{name}")).await.ok()?;
        answer["value"].as_str().map(str::to_owned)
    }

    /// Resizes the window to `width` x `height`.
    pub(crate) async fn resize(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({"width": width, "height": height}))
            .await;
    }

    /// Writes a PNG of the current page at both widths to `target/screenshots/<name>-<width
    /// name>.png`, and leaves the window at desktop width.
    pub(crate) async fn screenshots(&self, name: &str) {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        for (width_name, width, height) in [DESKTOP, PHONE] {
            // The window includes the browser's frame: grow it until the page gets the size.
            self.resize(width, height).await;
            let mut png = self.screenshot().await;
            let (shot_width, shot_height) = png_size(&png);
            if (shot_width, shot_height) != (width, height) {
                let frame = (
                    width.saturating_sub(shot_width),
                    height.saturating_sub(shot_height),
                );
                self.resize(width + frame.0, height + frame.1).await;
                png = self.screenshot().await;
            }
            std::fs::write(dir.join(format!("{name}-{width_name}.png")), png).unwrap();
        }
        self.resize(DESKTOP.1, DESKTOP.2).await;
    }

    /// A PNG of the page as the window shows it.
    async fn screenshot(&self) -> Vec<u8> {
        let png = self.get("/screenshot").await;
        base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap()
    }

    /// Ends the browser session and stops the driver.
    pub(crate) async fn stop(mut self) {
        send(&self.client, reqwest::Method::DELETE, &self.session, None).await;
        self.driver.kill().await.ok();
    }

    async fn get(&self, path: &str) -> Value {
        self.try_get(path)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    async fn try_get(&self, path: &str) -> Result<Value, String> {
        try_send(
            &self.client,
            reqwest::Method::GET,
            &format!("{}{path}", self.session),
            None,
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.try_post(path, body)
            .await
            .unwrap_or_else(|err| panic!("{err}"))
    }

    async fn try_post(&self, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.session);
        try_send(&self.client, reqwest::Method::POST, &url, Some(body)).await
    }
}

impl Element<'_> {
    /// Types `text` into the element (after clearing it); `\u{E007}` is the Enter key.
    pub(crate) async fn type_text(&self, text: &str) {
        self.browser
            .try_post(&format!("/element/{}/clear", self.id), json!({}))
            .await
            .ok();
        self.browser
            .post(
                &format!("/element/{}/value", self.id),
                json!({"text": text}),
            )
            .await;
    }

    /// Clicks the element and waits for a page it loads.
    pub(crate) async fn click(&self) {
        self.browser
            .post(&format!("/element/{}/click", self.id), json!({}))
            .await;
    }

    /// The value of the element's attribute `name` (empty when it has none).
    pub(crate) async fn attribute(&self, name: &str) -> String {
        let path = format!("/element/{}/attribute/{name}", self.id);
        let answer = self.browser.get(&path).await;
        answer.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the element is no longer on the page (the browser moved to another).
    async fn wait_until_gone(&self) {
        let path = format!("/element/{}/name", self.id);
        for _ in 0..200 {
            if self.browser.try_get(&path).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the browser stayed on the same page for ten seconds");
    }

    /// The element's visible text.
    pub(crate) async fn text(&self) -> String {
        let answer = self
            .browser
            .get(&format!("/element/{}/text", self.id))
            .await;
        answer.as_str().unwrap().to_owned()
    }
}

/// A PNG's width and height, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

/// Where screenshots go: `target/screenshots` (the directory above `CARGO_TARGET_TMPDIR`).
pub(crate) fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the tests' temporary directory is inside the target directory")
        .join("screenshots")
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    try_send(client, method, url, body)
        .await
        .unwrap_or_else(|err| panic!("{err}"))
}

/// One WebDriver command: its `value`, or the error it answered.
async fn try_send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = client.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .map_err(|err| format!("chromedriver does not answer {method} {url}: {err}"))?;
    let ok = response.status().is_success();
    let answer: Value = response.json().await.map_err(|err| err.to_string())?;
    if ok {
        Ok(answer["value"].clone())
    } else {
        Err(format!("WebDriver {method} {url} failed: {answer}"))
    }
}

async fn wait_until_ready(client: &reqwest::Client, base: &str) {
    let status = format!("{base}/status");
    for _ in 0..200 {
        let answer = try_send(client, reqwest::Method::GET, &status, None).await;
        if answer.is_ok_and(|answer| answer["ready"] == json!(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not become ready within ten seconds");
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
