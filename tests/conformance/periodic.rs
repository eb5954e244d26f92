//! Periodic jobs: the leader enqueues one job per tick, at the tick's time, and a tick is never
//! enqueued twice, even with several workers scheduling the same job.

use std::time::Duration;

use tranq::JobFilter;
use tranq::internal::SqlStore;

use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::start;
use crate::conformance::tasks::{Note, key};

pub async fn a_periodic_job_is_enqueued_once_per_tick_at_the_ticks_time<H: Harness>() {
    let h: H = setup("periodic").await;
    let k = format!("periodic/{}", H::pair());
    let every = Duration::from_millis(250);
    // Two workers with the same periodic job: only the leader enqueues it.
    let scheduling = || {
        worker(&h, 2)
            .leader_lease(Duration::from_secs(2))
            .periodic(Note::every(every), key(&k))
    };
    let (a, b) = (start(scheduling()), start(scheduling()));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();

    let store = SqlStore::<H::Backend>::new(h.backend());
    let jobs = store
        .jobs(&JobFilter::new().task("note").limit(1000))
        .await
        .unwrap();
    let mut ticks: Vec<i64> = jobs.iter().map(|j| j.run_at_us).collect();
    ticks.sort_unstable();
    let period = every.as_micros() as i64;
    assert!(
        ticks.len() >= 4,
        "{} ticks in 2.5 s: {ticks:?}",
        ticks.len()
    );
    for pair in ticks.windows(2) {
        // One job per tick (none twice, none skipped while one worker led), at the tick.
        assert!(
            (pair[1] - pair[0] - period).abs() <= 2,
            "ticks {} and {} are not one period apart: {ticks:?}",
            pair[0],
            pair[1]
        );
    }
    for tick in &ticks {
        assert!(
            (tick + 2) % period <= 4,
            "tick {tick} is not on a multiple of the period"
        );
    }
    h.cleanup().await;
}
