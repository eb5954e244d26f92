//! Which jobs run, when, and how often: unknown tasks, delays, priorities, two workers, rescue.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tranq::internal::Store as _;
use tranq::{JobId, JobState};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{Logs, eventually, runs, start};
use crate::conformance::tasks::{Note, Sleep, Slow, key};

pub async fn jobs_of_unknown_tasks_are_left_untouched_and_reported<H: Harness>() {
    let (logs, _guard) = Logs::capture();

    let h: H = setup("unknown").await;
    h.execute("INSERT INTO tranq_jobs (queue, task, args) VALUES ('default', 'from_a_newer_deploy', '{}')")
        .await;
    let ghost = JobId(h.scalar("SELECT max(id) FROM tranq_jobs").await);
    let marker = h
        .commit(vec![note::<H>(&format!("unknown/{}", H::pair()))])
        .await[0];
    let w = start(worker(&h, 2));
    h.wait_state(marker, JobState::Completed).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.stop().await.unwrap();

    let ghost = h.job(ghost).await;
    assert_eq!(ghost.state, JobState::Available);
    assert_eq!(ghost.attempt, 0);
    assert!(ghost.errors.is_empty());
    let text = logs.text();
    assert!(
        text.contains("task=from_a_newer_deploy count=1"),
        "not reported in the logs:\n{text}"
    );
    let unknown = h
        .store()
        .job_unknown_tasks(&["default"], &["note"])
        .await
        .unwrap();
    assert_eq!(unknown, vec![("from_a_newer_deploy".to_owned(), 1)]);
    h.cleanup().await;
}

pub async fn a_delayed_job_does_not_run_early<H: Harness>() {
    let h: H = setup("delay").await;
    let k = format!("delay/{}", H::pair());
    let w = start(worker(&h, 2));
    let enqueued = Instant::now();
    let delayed = job::<Note, H>()
        .delay(Duration::from_millis(1500))
        .build(&key(&k))
        .unwrap();
    let id = h.commit(vec![delayed]).await[0];
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(runs(&k).is_empty(), "ran before its delay");
    h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert!(runs(&k)[0].at.duration_since(enqueued) >= Duration::from_millis(1500));
    h.cleanup().await;
}

pub async fn lower_priority_numbers_run_first<H: Harness>() {
    let h: H = setup("priority").await;
    let k = format!("priority/{}", H::pair());
    let mut by_priority = HashMap::new();
    for p in [5i16, 1, 3, -2, 4] {
        let built = job::<Note, H>().priority(p).build(&key(&k)).unwrap();
        by_priority.insert(h.commit(vec![built]).await[0], p);
    }
    let w = start(worker(&h, 1));
    eventually("all five ran", || async {
        (runs(&k).len() == 5).then_some(())
    })
    .await;
    w.stop().await.unwrap();
    let order: Vec<i16> = runs(&k).iter().map(|r| by_priority[&r.job]).collect();
    assert_eq!(order, vec![-2, 1, 3, 4, 5]);
    h.cleanup().await;
}

pub async fn two_workers_on_one_queue_never_run_the_same_job<H: Harness>() {
    let h: H = setup("two_workers").await;
    let k = format!("two_workers/{}", H::pair());
    let ids = h.commit((0..400).map(|_| note::<H>(&k)).collect()).await;
    let a = start(worker(&h, 8).worker_id("a"));
    let b = start(worker(&h, 8).worker_id("b"));
    eventually("400 jobs ran", || async {
        (runs(&k).len() >= 400).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.stop().await.unwrap();
    b.stop().await.unwrap();

    let mut seen = HashMap::new();
    for r in runs(&k) {
        *seen.entry(r.job).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), 400);
    assert!(seen.values().all(|&n| n == 1), "a job ran twice");
    for id in ids {
        assert_eq!(h.job(id).await.state, JobState::Completed);
    }
    h.cleanup().await;
}

/// A job whose worker vanished (its lease expired) runs again on a live worker.
pub async fn an_expired_lease_is_rescued_and_run_again<H: Harness>() {
    let h: H = setup("rescue").await;
    let k = format!("rescue/{}", H::pair());
    let id = h
        .commit(vec![
            job::<Slow, H>()
                .build(&Sleep {
                    key: k.clone(),
                    ms: 10,
                })
                .unwrap(),
        ])
        .await[0];
    // A claim by a worker that then disappears without heartbeating.
    let claimed = h
        .store()
        .job_claim(&tranq::internal::ClaimParams {
            queue: "slow",
            tasks: &["slow"],
            limit: 1,
            worker_id: "vanished",
            lease: Duration::from_millis(500),
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Its handler started (an attempt that never started would be given back).
    h.store()
        .job_mark_started(&[claimed[0].lease()])
        .await
        .unwrap();
    let w = start(
        tranq::Worker::builder(h.store())
            .queue("slow", 1)
            .poll_interval(Duration::from_millis(100))
            .rescue_interval(Duration::from_millis(200)),
    );
    let job = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(job.attempt, 2, "the lost attempt counts");
    assert_eq!(runs(&format!("{k}:done")).len(), 1);
    assert!(job.errors[0].message.starts_with("lease expired"));
    h.cleanup().await;
}
