//! How soon an idle worker finds a job: woken by the database where it pushes commits
//! (PostgreSQL's NOTIFY), by the enqueue itself where the enqueue ran in the worker's own
//! process (`local_wake.rs`); never left to wait for the poll.

use std::time::{Duration, Instant};

use tranq::JobState;
use tranq::internal::SqlStore;

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
