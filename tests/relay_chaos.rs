//! The relay under chaos, on PostgreSQL with real processes: 10,000 events enqueued in
//! transactions of 50 (every fifth transaction rolled back), each transaction with one more
//! event on one of four ordered subjects, while the test restarts a private
//! `nats-server` twice (SIGKILL, then start again on the same port and store dir) and SIGKILLs
//! the relay's worker process twice. Then it reads the stream: every committed event exactly
//! once, no rolled-back event ("ghost"), each ordered subject's events in commit order. It prints
//! `RELAY committed=… published=… duplicates=0 lost=0 ghost=0`.
//!
//! The duplicate window: a worker killed between JetStream's ack and storing the completion
//! leaves its job running; it is published again once the lease (2 s here) has expired, the
//! rescuer (every 300 ms) has taken it back and its retry delay (1 s after a first attempt,
//! 2 s at most with this backoff) has passed. The stream's window is
//! `tranq::relay::duplicate_window(lease, rescue interval, longest retry delay)`, which adds a
//! minute for claim latency: about 64 s, far past any such gap in this test.
#![allow(unreachable_pub, dead_code, clippy::unwrap_used)]

#[path = "conformance/databases.rs"]
mod databases;
#[path = "support/nats.rs"]
mod nats;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use databases::Database as _;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use tranq::relay::{Event, Publish, RelayConfig, RelayWorker as _};

const URL: &str = "TRANQ_RELAY_CHILD_URL";
const NATS_URL: &str = "TRANQ_RELAY_CHILD_NATS_URL";
const LEASE: Duration = Duration::from_secs(2);
const RESCUE_INTERVAL: Duration = Duration::from_millis(300);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(2);
const EVENTS: usize = 10_000;
const PER_TXN: usize = 50;

/// Not a test of its own: the relay worker process the chaos test starts. Without the
/// environment it sets it returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_child_worker() {
    let (Ok(url), Ok(nats_url)) = (std::env::var(URL), std::env::var(NATS_URL)) else {
        return;
    };
    let db = tranq::sea_orm::connect(&url).await.expect("connect");
    let js = nats::connect(&nats_url).await;
    let worker = tranq::Worker::builder(tranq::sea_orm::Store::new(db))
        .lease(LEASE)
        .rescue_interval(RESCUE_INTERVAL)
        .poll_interval(Duration::from_millis(50))
        .backoff(tranq::Backoff::exponential(
            Duration::from_millis(100),
            MAX_RETRY_DELAY,
        ))
        .relay(
            js,
            RelayConfig::new()
                .concurrency(64)
                .ordered(true)
                .publish_timeout(Duration::from_millis(500)),
        )
        .expect("relay config")
        .build()
        .expect("worker");
    worker
        .run_until(tranq::shutdown_signal())
        .await
        .expect("worker run");
}

/// A relay worker process, killed when dropped.
struct Relay(Child);

impl Relay {
    fn spawn(url: &str, nats_url: &str, n: u32) -> Self {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/tranq-test/crash-logs");
        std::fs::create_dir_all(&dir).unwrap();
        let log = std::fs::File::create(dir.join(format!("relay-chaos-{n}.log"))).unwrap();
        let child = Command::new(std::env::current_exe().unwrap())
            .args([
                "relay_child_worker",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(URL, url)
            .env(NATS_URL, nats_url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn a relay worker");
        Relay(child)
    }

    fn kill(mut self) {
        self.0.kill().expect("SIGKILL");
        let _ = self.0.wait();
    }

    fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let _ = self.0.wait();
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn scalar(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_committed_event_is_published_exactly_once_through_nats_restarts_and_worker_kills() {
    let started = Instant::now();
    let (url, handle) = databases::Postgres::create("relay_chaos").await;
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    let mut server = nats::PrivateNats::start();
    let nats_url = server.url();
    let js = nats::connect(&nats_url).await;
    let window = tranq::relay::duplicate_window(LEASE, RESCUE_INTERVAL, MAX_RETRY_DELAY);
    tranq::relay::ensure_stream(&js, "CHAOS", vec!["chaos.>".into()], window)
        .await
        .unwrap();

    // The enqueuer: transactions of 50 events, every fifth rolled back, a little faster than the
    // relay publishes them, so that kills and restarts find events in flight.
    let enqueuer = {
        let db = db.clone();
        tokio::spawn(async move {
            let (mut committed, mut rolled_back) = (HashSet::new(), HashSet::new());
            for (t, chunk) in (0..EVENTS).collect::<Vec<_>>().chunks(PER_TXN).enumerate() {
                let events: Vec<Event> = chunk
                    .iter()
                    .map(|n| Event::new(format!("chaos.{}", n % 16), format!("e-{n}")))
                    .collect();
                let txn = db.begin().await.unwrap();
                Publish::enqueue_many_in(&txn, events).await.unwrap();
                // And one ordered event per transaction, on four subjects.
                Publish::ordered()
                    .enqueue_in(
                        &txn,
                        Event::new(format!("chaos.ordered.{}", t % 4), format!("o-{t}")),
                    )
                    .await
                    .unwrap();
                let set = if t % 5 == 4 {
                    txn.rollback().await.unwrap();
                    &mut rolled_back
                } else {
                    txn.commit().await.unwrap();
                    &mut committed
                };
                set.extend(chunk.iter().map(|n| format!("e-{n}")));
                set.insert(format!("o-{t}"));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (committed, rolled_back)
        })
    };

    let pause = |ms| tokio::time::sleep(Duration::from_millis(ms));
    // Each blow lands while events are in flight: jobs running, so publishes unacknowledged
    // or acknowledged but not yet recorded as done.
    let in_flight = || async {
        let deadline = Instant::now() + Duration::from_secs(5);
        while scalar(
            &db,
            "SELECT count(*) FROM tranq_jobs WHERE state = 'running'",
        )
        .await
            == 0
            && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    };
    let relay = Relay::spawn(&url, &nats_url, 1);
    pause(500).await;
    in_flight().await;
    server.kill(); // NATS restart 1
    pause(1000).await;
    server.up();
    pause(300).await;
    in_flight().await;
    relay.kill(); // worker kill 1
    let relay = Relay::spawn(&url, &nats_url, 2);
    pause(800).await;
    in_flight().await;
    relay.kill(); // worker kill 2
    let relay = Relay::spawn(&url, &nats_url, 3);
    pause(300).await;
    in_flight().await;
    server.kill(); // NATS restart 2
    pause(1000).await;
    server.up();

    let (committed, rolled_back) = enqueuer.await.unwrap();
    let done = format!(
        "SELECT count(*) FROM tranq_jobs WHERE state = 'completed' AND task = '{}'",
        <Publish as tranq::Task>::NAME
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while scalar(&db, &done).await < committed.len() as i64 {
        assert!(
            Instant::now() < deadline,
            "not every event was relayed: {} of {} completed",
            scalar(&db, &done).await,
            committed.len()
        );
        pause(100).await;
    }
    relay.terminate();
    let unfinished = scalar(
        &db,
        "SELECT count(*) FROM tranq_jobs WHERE state <> 'completed'",
    )
    .await;
    assert_eq!(unfinished, 0, "jobs left unfinished");

    let js = nats::connect(&nats_url).await;
    let read = nats::read_stream(&js, "CHAOS").await;
    let mut times: HashMap<&str, usize> = HashMap::new();
    for message in &read {
        *times.entry(message.payload.as_str()).or_default() += 1;
    }
    let duplicates: usize = times.values().map(|n| n - 1).sum();
    let lost = committed
        .iter()
        .filter(|e| !times.contains_key(e.as_str()))
        .count();
    let ghost = times.keys().filter(|e| !committed.contains(**e)).count();
    let ghost_rolled_back = times.keys().filter(|e| rolled_back.contains(**e)).count();
    // What the chaos did to the jobs: attempts that failed (NATS down: recorded errors) and
    // attempts run again after a kill (rescued: attempt above 1).
    let failed = scalar(
        &db,
        "SELECT count(*) FROM tranq_jobs WHERE jsonb_array_length(errors) > 0",
    )
    .await;
    let rerun = scalar(&db, "SELECT count(*) FROM tranq_jobs WHERE attempt > 1").await;
    // Published again after an ack whose completion was lost with its worker: JetStream said
    // "duplicate" and kept the first copy.
    let dropped = scalar(
        &db,
        "SELECT count(*) FROM tranq_jobs WHERE result->>'duplicate' = 'true'",
    )
    .await;
    let ordered_hit = scalar(
        &db,
        "SELECT count(*) FROM tranq_jobs WHERE queue = 'tranq.relay.ordered' \
         AND (jsonb_array_length(errors) > 0 OR attempt > 1)",
    )
    .await;
    println!(
        "RELAY committed={} published={} duplicates={duplicates} lost={lost} ghost={ghost} \
         (rolled back {}; jobs with a failed attempt {failed}, run more than once {rerun}; copies dropped by JetStream {dropped}; ordered events failed or rerun {ordered_hit}; {:.1} s)",
        committed.len(),
        read.len(),
        rolled_back.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!((duplicates, lost, ghost, ghost_rolled_back), (0, 0, 0, 0));
    assert!(
        rerun > 0,
        "the kills found no event in flight: the test proved nothing"
    );
    assert_eq!(read.len(), committed.len());
    // The ordered events of each subject came in the order they were committed (their
    // transactions ran one after another), whatever failed or was killed in between.
    let mut last: HashMap<&str, usize> = HashMap::new();
    let mut ordered = 0;
    for message in &read {
        if let Some(t) = message.payload.strip_prefix("o-") {
            let t: usize = t.parse().unwrap();
            if let Some(before) = last.insert(message.subject.as_str(), t) {
                assert!(
                    before < t,
                    "{} overtook o-{before} on {}",
                    message.payload,
                    message.subject
                );
            }
            ordered += 1;
        }
    }
    assert_eq!(
        ordered,
        committed.iter().filter(|e| e.starts_with("o-")).count()
    );
    db.close().await.ok();
    databases::Postgres::drop(&handle).await;
}

/// The overtaking the order check prevents: the first event of each ordered subject fails (no
/// stream takes its subject yet: JetStream refuses it at once) and waits 5 s for its retry; then
/// the stream is created and later events of the same subjects commit, due at once. They must
/// not go out before the first ones. (A NATS outage does not show it: the client buffers what it
/// could not send and delivers it on reconnect, in order.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordered_event_waiting_for_its_retry_is_not_overtaken_by_later_ones() {
    let (url, handle) = databases::Postgres::create("relay_order_retry").await;
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    let server = nats::PrivateNats::start();
    let js = nats::connect(&server.url()).await;
    let enqueue = |range: std::ops::Range<usize>| {
        let db = db.clone();
        async move {
            for i in range {
                let txn = db.begin().await.unwrap();
                for subject in ["a", "b"] {
                    let event = Event::new(format!("ordered.{subject}"), format!("{subject}-{i}"));
                    Publish::ordered().enqueue_in(&txn, event).await.unwrap();
                }
                txn.commit().await.unwrap();
            }
        }
    };
    enqueue(0..1).await;
    let worker = tranq::Worker::builder(tranq::sea_orm::Store::new(db.clone()))
        .poll_interval(Duration::from_millis(50))
        .backoff(
            tranq::Backoff::exponential(Duration::from_secs(5), Duration::from_secs(5)).jitter(0.0),
        )
        .relay(
            js.clone(),
            RelayConfig::new()
                .ordered(true)
                .publish_timeout(Duration::from_millis(300)),
        )
        .unwrap()
        .build()
        .unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run_until(async move {
        let _ = stop_rx.await;
    }));
    // Both first events fail, and wait 5 s.
    let failed = "SELECT count(*) FROM tranq_jobs WHERE jsonb_array_length(errors) > 0";
    let deadline = Instant::now() + Duration::from_secs(20);
    while scalar(&db, failed).await < 2 {
        assert!(Instant::now() < deadline, "the first events did not fail");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stream = vec!["ordered.>".to_owned()];
    tranq::relay::ensure_stream(&js, "ORDERED", stream, Duration::from_secs(120))
        .await
        .unwrap();
    enqueue(1..6).await;
    let done = "SELECT count(*) FROM tranq_jobs WHERE state = 'completed'";
    let deadline = Instant::now() + Duration::from_secs(40);
    while scalar(&db, done).await < 12 {
        assert!(
            Instant::now() < deadline,
            "the ordered events were not all relayed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop_tx.send(());
    running.await.unwrap().unwrap();
    let read = nats::read_stream(&js, "ORDERED").await;
    for subject in ["a", "b"] {
        let got: Vec<&str> = read
            .iter()
            .filter(|m| m.subject == format!("ordered.{subject}"))
            .map(|m| m.payload.as_str())
            .collect();
        let want: Vec<String> = (0..6).map(|i| format!("{subject}-{i}")).collect();
        assert_eq!(got, want, "the order of subject {subject}");
    }
    db.close().await.ok();
    databases::Postgres::drop(&handle).await;
}
