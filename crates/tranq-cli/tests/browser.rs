//! The dashboard in a real browser: `tranq dashboard` (the built binary) over a SQLite database
//! seeded with a job in every state, driven through WebDriver by headless Chromium (Debian's
//! `chromium` and `chromium-driver`, installed by `scripts/setup.sh`). It loads every page, checks
//! that the job whose arguments and error hold a `<script>` did not run it, that a write without
//! the token is refused, signs in, clicks retry and cancel and sees the jobs' states change,
//! then retries every cancelled job through the confirmation page.
//! A screenshot of each page lands in `target/dashboard-screenshots/` (not committed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tranq::JobState;

use support::{Db, seed, state};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const TOKEN: &str = "browser-test-write-token";

/// A child process killed when the test ends, passed or not.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// `target/` of this build: the test binary is `target/<profile>/deps/browser-*`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `tranq dashboard` on a free port; its base URL.
fn start_dashboard(database_url: &str) -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args([
            "dashboard",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .env("TRANQ_DASHBOARD_TOKEN", TOKEN)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let child = Killed(child);
    let mut said = Vec::new();
    let url = loop {
        let Some(line) = lines.next() else {
            panic!("tranq dashboard exited before it listened: {said:?}");
        };
        let line = line.unwrap();
        said.push(line.clone());
        if let Some(rest) = line.split("dashboard on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
    };
    // Keep reading its output so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, url)
}

/// Starts chromedriver on a free port and waits until it answers.
fn start_chromedriver() -> (Killed, String) {
    for path in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(path).exists(),
            "{path} is missing: run scripts/setup.sh (it installs chromium and chromium-driver)"
        );
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (child, format!("http://127.0.0.1:{port}"))
}

async fn browser(webdriver: &str, profile: &Path) -> Client {
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
        "--window-size=1280,900",
    ]
    .map(str::to_owned)
    .into_iter()
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": CHROMIUM, "args": args }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(webdriver)
        .await
        .unwrap()
}

/// Width and height of a PNG, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[1..4], b"PNG", "a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Loads `path`, checks that it rendered (its heading, the page title) and that no script of
/// the database ran, and saves a screenshot as `name.png`.
async fn visit(c: &Client, base: &str, path: &str, heading: &str, shots: &Path, name: &str) {
    c.goto(&format!("{base}{path}")).await.unwrap();
    check_page(c, heading, shots, name).await;
}

async fn check_page(c: &Client, heading: &str, shots: &Path, name: &str) {
    let h1 = text(c, "main h1").await;
    assert!(
        h1.contains(heading),
        "{name}: heading {h1:?}, expected {heading:?}"
    );
    let title = c.title().await.unwrap();
    assert!(
        title.ends_with("· tranq"),
        "{name}: title {title:?}: a script ran, or no page"
    );
    let pwned = c
        .execute("return typeof window.tranqPwned;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, json!("undefined"), "{name}: the seeded script ran");
    let png = c.screenshot().await.unwrap();
    let (width, height) = png_size(&png);
    let file = shots.join(format!("{name}.png"));
    std::fs::write(&file, &png).unwrap();
    println!(
        "screenshot {}: {} bytes, {width}x{height}",
        file.display(),
        png.len()
    );
}

/// Waits for the page that shows `css`; says which page came instead.
async fn wait_for(c: &Client, css: &str) {
    let found = c
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await;
    if found.is_err() {
        let url = c.current_url().await.unwrap();
        panic!("no {css} on {url}: {}", c.source().await.unwrap());
    }
}

/// The state badge of the job page shown.
async fn shown_state(c: &Client) -> String {
    text(c, "main p .state").await
}

/// Clicks the element `css` finds.
async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The text of the element `css` finds.
async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_works_in_headless_chromium() {
    let started = Instant::now();
    let fresh = Db::Sqlite.fresh("browser").await;
    let store = fresh.store().await;
    let s = seed(&store).await;
    let (_dashboard, base) = start_dashboard(&fresh.url);
    let (_driver, webdriver) = start_chromedriver();
    let shots = target_dir().join("dashboard-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let profile = target_dir().join(format!("dashboard-chromium-profile-{}", std::process::id()));
    std::fs::remove_dir_all(&profile).ok();
    let c = browser(&webdriver, &profile).await;

    // Every page renders, signed out; the job with a script in its args and error shows it as text.
    visit(&c, &base, "/", "Queues", &shots, "queues").await;
    c.find(Locator::Css("figure.chart svg")).await.unwrap();
    visit(&c, &base, "/jobs", "Jobs", &shots, "jobs").await;
    visit(
        &c,
        &base,
        "/jobs?queue=mail&state=retryable",
        "Jobs",
        &shots,
        "jobs-filtered",
    )
    .await;
    let script_job = format!("/jobs/{}", s.retryable.0);
    visit(&c, &base, &script_job, "Job", &shots, "job-with-script").await;
    let args = text(&c, "pre.args").await;
    assert!(
        args.contains("<script>window.tranqPwned"),
        "shown as text: {args}"
    );
    visit(&c, &base, "/failures", "Failures", &shots, "failures").await;
    visit(&c, &base, "/login", "Sign in", &shots, "login").await;

    // Signed out: no buttons, and a write sent anyway is refused.
    let discarded = format!("/jobs/{}", s.discarded.0);
    visit(&c, &base, &discarded, "Job", &shots, "job-signed-out").await;
    assert!(c.find(Locator::Css("button[value=retry]")).await.is_err());
    let forge = format!(
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = '{base}{discarded}/retry'; document.body.appendChild(f); f.submit();"
    );
    c.execute(&forge, vec![]).await.unwrap();
    wait_for(&c, "p.error").await;
    let refused = text(&c, "main h1").await;
    assert!(
        refused.contains("403"),
        "a write without the token: {refused}"
    );
    assert_eq!(state(&store, s.discarded).await, JobState::Discarded);

    // Sign in with the token, then retry the discarded job and cancel the due one.
    c.goto(&format!("{base}/login")).await.unwrap();
    c.find(Locator::Css("input[name=token]"))
        .await
        .unwrap()
        .send_keys(TOKEN)
        .await
        .unwrap();
    click(&c, "main form button").await;
    wait_for(&c, "figure.chart").await;
    check_page(&c, "Queues", &shots, "queues-signed-in").await;

    visit(&c, &base, &discarded, "Job", &shots, "job-before-retry").await;
    assert_eq!(shown_state(&c).await, "discarded");
    click(&c, "button[value=retry]").await;
    wait_for(&c, "p.flash").await;
    check_page(&c, "Job", &shots, "job-after-retry").await;
    assert_eq!(shown_state(&c).await, "available");
    assert_eq!(state(&store, s.discarded).await, JobState::Available);

    visit(
        &c,
        &base,
        &format!("/jobs/{}", s.due.0),
        "Job",
        &shots,
        "job-before-cancel",
    )
    .await;
    assert_eq!(shown_state(&c).await, "available");
    click(&c, "button[value=cancel]").await;
    wait_for(&c, "p.flash").await;
    check_page(&c, "Job", &shots, "job-after-cancel").await;
    assert_eq!(shown_state(&c).await, "cancelled");
    assert_eq!(state(&store, s.due).await, JobState::Cancelled);

    // Every cancelled job back, through the confirmation that says how many match.
    let cancelled = "/jobs?state=cancelled";
    visit(&c, &base, cancelled, "Jobs", &shots, "jobs-cancelled").await;
    click(&c, r#"form[action$="/actions"] button[value=retry]"#).await;
    wait_for(&c, "strong.count").await;
    check_page(&c, "Confirm", &shots, "confirm-retry-all").await;
    let matching = text(&c, "strong.count").await;
    assert_eq!(
        matching, "2",
        "the due job just cancelled and the seeded cancelled one"
    );
    click(&c, "main form button").await;
    wait_for(&c, "p.flash").await;
    check_page(&c, "Jobs", &shots, "jobs-after-retry-all").await;
    let flash = text(&c, "p.flash").await;
    assert!(flash.contains("2 jobs changed"), "{flash}");
    assert_eq!(state(&store, s.due).await, JobState::Available);
    assert_eq!(state(&store, s.cancelled).await, JobState::Available);

    c.close().await.unwrap();
    std::fs::remove_dir_all(&profile).ok();
    fresh.drop().await;
    println!("browser test took {:?}", started.elapsed());
}
