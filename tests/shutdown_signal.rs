//! `tranq::shutdown_signal()`: a real SIGTERM sent to this test process stops both the worker
//! and a second waiter (standing in for `axum::serve(..).with_graceful_shutdown(..)`), and the
//! worker finishes the job it was running. A test binary of its own, since it takes over
//! SIGTERM for the whole process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tranq::{JobState, TaskContext, TaskError, Worker};

#[derive(Serialize, Deserialize)]
struct NapArgs {
    millis: u64,
}

#[tranq::task(queue = "signal")]
async fn nap(_ctx: TaskContext, args: NapArgs) -> Result<(), TaskError> {
    tokio::time::sleep(Duration::from_millis(args.millis)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_worker_and_the_server_together() {
    let dir = std::env::temp_dir().join(format!("tranq-signal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("signal.sqlite");
    std::fs::remove_file(&path).ok();
    let db = tranq::sea_orm::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    let store = tranq::sea_orm::Store::new(db.clone());
    let job = Nap::enqueue_in(&db, NapArgs { millis: 1_500 })
        .await
        .unwrap();

    let shutdown = tranq::shutdown_signal();
    let worker = Worker::builder(store.clone())
        .queue("signal", 1)
        .poll_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    let worker = tokio::spawn(worker.run_until(shutdown.clone()));
    let server = tokio::spawn(shutdown.clone());

    // Once the job runs, the process gets SIGTERM, as `docker stop` would send it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while store.job_get(job).await.unwrap().map(|j| j.state) != Some(JobState::Running) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server's shutdown future resolves")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops")
        .unwrap()
        .unwrap();
    let state = store.job_get(job).await.unwrap().map(|j| j.state);
    assert_eq!(
        state,
        Some(JobState::Completed),
        "the running job finished within the grace period"
    );
    std::fs::remove_dir_all(&dir).ok();
}
