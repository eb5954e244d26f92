//! A tranq worker with its metrics served for Prometheus: enqueues a thumbnail job every 100 ms
//! and runs them, while `curl http://127.0.0.1:9000/metrics` shows `tranq_jobs_*` counters,
//! `tranq_job_run_seconds` and `tranq_job_pickup_seconds` summaries and the leader's
//! `tranq_queue_jobs` gauges moving.
//!
//! Run with `cargo run -p example-metrics -- [LISTEN_ADDR] [DATABASE_URL]`
//! (defaults: `127.0.0.1:9000`, a SQLite file in the temp dir). Stop with Ctrl-C.

use std::time::Duration;

use example_metrics::{Image, Thumbnail, install_exporter, run_worker};

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:9000".to_owned());
    let url = args.next().unwrap_or_else(|| {
        let path = std::env::temp_dir().join("tranq-example-metrics.sqlite");
        format!("sqlite://{}?mode=rwc", path.display())
    });
    install_exporter(listen.parse()?)?;
    let db = tranq::sea_orm::connect(&url).await?;
    tranq::sea_orm::migrate(&db).await?;
    println!("metrics at http://{listen}/metrics; Ctrl-C to stop");

    let producer = {
        let db = db.clone();
        tokio::spawn(async move {
            for id in 0.. {
                if let Err(error) = Thumbnail::enqueue_in(&db, Image { id }).await {
                    eprintln!("enqueue failed: {error}");
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    run_worker(db, Duration::from_secs(5), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    producer.abort();
    Ok(())
}
