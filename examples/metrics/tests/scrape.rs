//! Runs the example's worker with its Prometheus exporter on a free port against SQLite, and
//! scrapes `/metrics` over HTTP before and after a batch of jobs: the counters move.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use example_metrics::{Image, QUEUE, Thumbnail, install_exporter, run_worker};
use tranq::JobState;

/// The value of the series `name` of this example's queue and task in a scrape (0 when absent).
fn value(scrape: &str, name: &str) -> f64 {
    let labels = format!("queue=\"{QUEUE}\"");
    scrape
        .lines()
        .filter(|line| line.starts_with(&format!("{name}{{")) && line.contains(&labels))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn scrape(addr: SocketAddr) -> String {
    let response = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("the exporter answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_shows_the_counters_move_as_jobs_run() {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    install_exporter(addr).unwrap();

    let dir = std::env::temp_dir().join(format!("tranq-example-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("metrics.sqlite").display());
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();

    let before = scrape(addr).await;
    assert_eq!(
        value(&before, "tranq_jobs_completed_total"),
        0.0,
        "{before}"
    );

    let ids = Thumbnail::enqueue_many_in(&db, (0..20).map(|id| Image { id }))
        .await
        .unwrap();
    let store = tranq::sea_orm::Store::new(db.clone());
    let all_done = async {
        loop {
            let mut done = 0;
            for id in &ids {
                let state = store.job_get(*id).await.unwrap().map(|j| j.state);
                done += usize::from(state == Some(JobState::Completed));
            }
            // The leader's queue-depth sample has caught up too.
            let scrape = scrape(addr).await;
            let sampled = value(&scrape, "tranq_queue_jobs") == 20.0
                && scrape.contains(&format!(
                    "tranq_queue_jobs{{queue=\"{QUEUE}\",state=\"completed\"}} 20"
                ));
            if done == ids.len() && sampled {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(
        Duration::from_secs(30),
        run_worker(db, Duration::from_millis(100), all_done),
    )
    .await
    .expect("the jobs ran and were sampled within 30 s")
    .unwrap();

    let after = scrape(addr).await;
    assert_eq!(value(&after, "tranq_jobs_enqueued_total"), 20.0, "{after}");
    assert_eq!(value(&after, "tranq_jobs_started_total"), 20.0, "{after}");
    assert_eq!(value(&after, "tranq_jobs_completed_total"), 20.0, "{after}");
    assert_eq!(value(&after, "tranq_jobs_failed_total"), 0.0, "{after}");
    assert_eq!(
        value(&after, "tranq_job_run_seconds_count"),
        20.0,
        "{after}"
    );
    assert_eq!(
        value(&after, "tranq_job_pickup_seconds_count"),
        20.0,
        "{after}"
    );
    assert!(
        after.contains("# HELP tranq_jobs_completed_total"),
        "{after}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
