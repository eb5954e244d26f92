//! Scenario 2 of the port (`test_real_worker_never_gets_the_task_of_a_process_killed_after_commit`
//! in the Python app): the web process is SIGKILLed right after its commit, and again inside
//! its transaction. The Python app lost the task of the committed order; here the committed
//! order's job committed with it and runs when a worker starts, and the killed transaction
//! left neither an order nor a job.
//!
//! The web process is this test binary run again as `child_web_process` (a no-op test unless
//! `PORTED_APP_CHILD` is set), serving the app with a hook that stops at the chosen point.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ported_app::{AppState, Hooks};
use support::{TestDb, count, hook, only_job, only_job_once_finished, start_worker};
use tranq::JobState;

const CHILD: &str = "PORTED_APP_CHILD";

/// The web process: `PORTED_APP_CHILD=<database url>|<dir>|<before_commit or after_commit>`.
/// Writes `<dir>/port` when listening and `<dir>/reached` (the order id) at the hook, then
/// waits there until killed.
#[tokio::test]
async fn child_web_process() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let [url, dir, point] = spec.split('|').collect::<Vec<_>>()[..] else {
        panic!("{CHILD}={spec}");
    };
    let dir = PathBuf::from(dir);
    let reached = dir.join("reached");
    let stop_here = hook(move |id| {
        std::fs::write(&reached, id.to_string()).unwrap();
        std::future::pending()
    });
    let hooks = match point {
        "before_commit" => Hooks {
            before_commit: Some(stop_here),
            after_commit: None,
        },
        "after_commit" => Hooks {
            before_commit: None,
            after_commit: Some(stop_here),
        },
        other => panic!("no hook {other}"),
    };
    let db = ported_app::db::connect(url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    std::fs::write(
        dir.join("port"),
        listener.local_addr().unwrap().port().to_string(),
    )
    .unwrap();
    axum::serve(listener, ported_app::app(AppState { db, hooks }))
        .await
        .unwrap();
}

/// Waits for `path` to hold a number.
async fn read_number(path: &Path, within: Duration) -> i64 {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(n) = std::fs::read_to_string(path).unwrap_or_default().parse() {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts the web process, posts an order, SIGKILLs the process at `point`; returns the order id.
async fn kill_web_process_at(url: &str, point: &str) -> i64 {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ported-app-killed-{}-{point}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "child_web_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, format!("{url}|{}|{point}", dir.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let port = read_number(&dir.join("port"), Duration::from_secs(30)).await;
    let post = tokio::spawn(
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/orders"))
            .json(&serde_json::json!({ "customer_email": "ada@example.com", "amount_cents": 1200 }))
            .send(),
    );
    let id = read_number(&dir.join("reached"), Duration::from_secs(30)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        post.await.unwrap().is_err(),
        "the client saw the connection die"
    );
    let _ = std::fs::remove_dir_all(&dir);
    id
}

#[tokio::test]
async fn a_web_process_killed_around_its_commit_loses_nothing() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let test_db = TestDb::create("killed").await;
    let db = test_db.connect().await;

    // ANCHOR: kills
    let committed = kill_web_process_at(&test_db.url, "after_commit").await;
    let order = format!("SELECT count(*) FROM orders WHERE id = {committed}");
    assert_eq!(
        count(&db, &order).await,
        1,
        "the order committed before the kill"
    );
    let job = only_job(&db).await;
    assert_eq!(job.state, JobState::Available, "its job committed with it");

    let rolled_back = kill_web_process_at(&test_db.url, "before_commit").await;
    let order = format!("SELECT count(*) FROM orders WHERE id = {rolled_back}");
    assert_eq!(
        count(&db, &order).await,
        0,
        "a killed transaction commits nothing"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM tranq_jobs").await,
        1,
        "and enqueues nothing"
    );

    // A worker starts after the crash, as after a deploy.
    let (stop, worker) = start_worker(db.clone());
    let sent = format!("SELECT count(*) FROM invoice_emails WHERE order_id = {committed}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&db, &sent).await == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        count(&db, &sent).await,
        1,
        "the committed order is invoiced"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM invoice_emails").await,
        1,
        "and nothing else"
    );
    let job = only_job_once_finished(&db, Duration::from_secs(10)).await;
    assert_eq!((job.state, job.attempt), (JobState::Completed, 1));
    // ANCHOR_END: kills

    stop.send(()).unwrap();
    worker.await.unwrap().unwrap();
    db.close().await.unwrap();
    test_db.drop().await;
}
