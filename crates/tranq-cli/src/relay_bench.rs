//! The relay phase of `tranq bench` (with `--relay-nats-url`): N events enqueued in bulk, then
//! timed from the relay worker's start until every one is published and acknowledged by
//! JetStream and its job completed. Printed next to the no-op burn-down figure, with the ratio.

use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use tokio::sync::watch;
use tranq::Worker;
use tranq::relay::{Event, Publish, RelayConfig, RelayWorker as _, async_nats};
use tranq::sea_orm::Store;

use crate::bench::{AnyError, count, fmt};

/// Settings of the relay phase.
pub(crate) struct RelayBench<'a> {
    pub(crate) db: &'a DatabaseConnection,
    pub(crate) nats_url: &'a str,
    pub(crate) events: u64,
    pub(crate) chunk: usize,
    pub(crate) concurrency: u32,
    pub(crate) poll_ms: Option<u64>,
    /// The no-op burn-down's jobs/s, for the ratio.
    pub(crate) work_rate: f64,
}

pub(crate) async fn run(bench: RelayBench<'_>) -> Result<(), AnyError> {
    let client = async_nats::connect(bench.nats_url)
        .await
        .map_err(|e| format!("cannot connect to NATS at {}: {e}", bench.nats_url))?;
    let jetstream = async_nats::jetstream::new(client);
    let name = format!("TRANQ_BENCH_{}", std::process::id());
    let prefix = format!("tranq-bench.{}", std::process::id());
    let _ = jetstream.delete_stream(&name).await;
    tranq::relay::ensure_stream(
        &jetstream,
        &name,
        vec![format!("{prefix}.>")],
        tranq::relay::DEFAULT_DUPLICATE_WINDOW,
    )
    .await?;

    let n = bench.events;
    let t0 = Instant::now();
    let mut next = 0u64;
    while next < n {
        let end = (next + bench.chunk as u64).min(n);
        let events = (next..end).map(|i| {
            Event::new(
                format!("{prefix}.{}", i % 8),
                format!(r#"{{"order":{i},"status":"created"}}"#),
            )
        });
        Publish::enqueue_many_in(bench.db, events).await?;
        next = end;
    }
    let enqueue_s = t0.elapsed().as_secs_f64();

    let mut builder = Worker::builder(Store::new(bench.db.clone()))
        .worker_id(format!("tranq-bench-relay-{}", std::process::id()))
        .relay(
            jetstream.clone(),
            RelayConfig::new().concurrency(bench.concurrency),
        )?;
    if let Some(ms) = bench.poll_ms {
        builder = builder.poll_interval(Duration::from_millis(ms));
    }
    let worker = builder.build()?;
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let t1 = Instant::now();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stop_rx.wait_for(|s| *s).await;
    }));
    const PENDING: &str =
        "SELECT count(*) FROM tranq_jobs WHERE state IN ('available', 'running', 'retryable')";
    let deadline = Instant::now() + Duration::from_secs(600);
    while count(bench.db, PENDING).await? != 0 {
        if Instant::now() > deadline {
            return Err("relay phase: events not all published within 10 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let relay_s = t1.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);
    running.await??;

    let mut stream = jetstream.get_stream(&name).await?;
    let published = stream.info().await?.state.messages;
    let _ = jetstream.delete_stream(&name).await;
    if published != n {
        return Err(
            format!("relay phase: {published} messages in the stream, expected {n}").into(),
        );
    }
    let relay_rate = n as f64 / relay_s;
    println!(
        "INFO relay: events={n} concurrency={} enqueue_s={enqueue_s:.3} relay_s={relay_s:.3} \
         (each published with its job id as Nats-Msg-Id, its job completed after the ack)",
        bench.concurrency
    );
    println!(
        "RELAY_RESULT relay={} work={} ratio={}",
        fmt(relay_rate, 0),
        fmt(bench.work_rate, 0),
        fmt(relay_rate / bench.work_rate, 2)
    );
    Ok(())
}
