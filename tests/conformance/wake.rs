//! How soon an idle worker finds a job: woken by the database where it pushes commits
//! (PostgreSQL's NOTIFY), by the enqueue itself where the enqueue ran in the worker's own
//! process (`local_wake.rs`), and elsewhere by the adaptive poll (`idle_probe.rs`) while its
//! queue has just had work; never left to wait for the poll interval.

use std::time::{Duration, Instant};

use tranq::internal::{SqlStore, Store};
use tranq::{JobId, JobState};

use crate::conformance::enqueue::note;
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::start;

pub async fn an_idle_worker_starts_a_job_enqueued_in_its_process_without_waiting_for_the_poll<
    H: Harness,
>() {
    let h: H = setup("local_wake").await;
    let k = format!("local_wake/{}", H::pair());
    // A poll once a minute: only a wake-up can start these jobs within seconds.
    let w = start(worker(&h, 2).poll_interval(Duration::from_secs(60)));
    // Past the worker's first claim, which found nothing: the queue is idle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut waits = Vec::new();
    for _ in 0..5 {
        let enqueued = Instant::now();
        let id = h.commit(vec![note::<H>(&k)]).await[0];
        h.wait_state(id, JobState::Completed).await;
        waits.push(enqueued.elapsed());
        let times = SqlStore::<H::Backend>::new(h.backend())
            .job_times(id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            times.attempted_at_us.is_some(),
            "the completion recorded the start: {times:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.stop().await.unwrap();
    eprintln!("{}: enqueue to completed {waits:?}", H::pair());
    assert!(
        waits.iter().all(|w| *w < Duration::from_secs(10)),
        "each job ran long before the 60 s poll: {waits:?}"
    );
    h.cleanup().await;
}

/// A job written by another process: a plain `INSERT`, which no local wake-up sees. Where the
/// store listens (PostgreSQL, but for sync Diesel), the other process's enqueue statement
/// notifies, as `pg_notify` here does; elsewhere the adaptive poll finds the job, within
/// milliseconds of the queue having had work.
pub async fn an_idle_worker_finds_a_job_from_another_process_long_before_the_poll<H: Harness>() {
    let h: H = setup("other_process").await;
    let k = format!("other_process/{}", H::pair());
    let listening = h.store().subscribe().await.unwrap().is_some();
    let w = start(worker(&h, 2).poll_interval(Duration::from_secs(60)));
    let mut waits = Vec::new();
    for _ in 0..5 {
        // A job from this process first (woken locally): the queue has just had work.
        let first = h.commit(vec![note::<H>(&k)]).await[0];
        h.wait_state(first, JobState::Completed).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        let enqueued = Instant::now();
        h.execute(&format!(
            r#"INSERT INTO tranq_jobs (queue, task, args) VALUES ('default', 'note', '{{"key": "{k}"}}')"#
        ))
        .await;
        if listening {
            h.execute("SELECT pg_notify('tranq_jobs', 'default')").await;
        }
        let id = JobId(h.scalar("SELECT max(id) FROM tranq_jobs").await);
        h.wait_state(id, JobState::Completed).await;
        waits.push(enqueued.elapsed());
    }
    w.stop().await.unwrap();
    eprintln!(
        "{}: insert by another process to completed {waits:?}",
        H::pair()
    );
    assert!(
        waits.iter().all(|w| *w < Duration::from_secs(10)),
        "each job ran long before the 60 s poll: {waits:?}"
    );
    h.cleanup().await;
}
