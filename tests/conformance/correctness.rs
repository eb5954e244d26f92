//! The runtime's promises under the faults a review found: two attempts of one job on one
//! worker, claimed-ahead jobs of a worker that died, outcomes the database refuses, lease tokens
//! after a lost claim, and batch writes whose inputs come in opposite orders.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tranq::internal::{ClaimParams, ClaimedJob, Completion, FailParams, Lease, Store as _};
use tranq::{Dialect, JobId, JobState};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{eventually, runs, start};
use crate::conformance::tasks::{LeaseWatch, Note, Overlap, Refused, SnoozesForever, key};

/// The lease of the attempt of `id` that is running now.
async fn current_lease<H: Harness>(h: &H, id: JobId) -> Lease {
    let token = h
        .scalar(&format!(
            "SELECT lease_token FROM tranq_jobs WHERE id = {id}"
        ))
        .await;
    Lease { id, token }
}

/// Makes the running attempt of `lease.id` look abandoned, as when its worker's heartbeats are
/// cut off for longer than the lease: the lease ends now and a rescuer takes the job back.
async fn expire_and_rescue<H: Harness>(h: &H, lease: Lease) {
    let store = h.store();
    let still_held = format!(
        "SELECT count(*) FROM tranq_jobs WHERE id = {} AND lease_token = {} AND state = 'running'",
        lease.id.0, lease.token
    );
    // The worker's own heartbeat may renew the lease in between, and its own rescuer may take
    // the job first: either way, try again until the attempt is no longer held.
    for _ in 0..20 {
        let held = store
            .job_heartbeat_many(&[lease], Duration::ZERO)
            .await
            .unwrap();
        if held.is_empty() {
            break; // rescued already, by the worker's rescuer
        }
        assert_eq!(held, vec![lease.id], "the attempt held its lease");
        tokio::time::sleep(Duration::from_millis(5)).await;
        let rescued = store.job_rescue_expired(10).await.unwrap();
        if rescued == vec![lease.id] || h.scalar(&still_held).await == 0 {
            return;
        }
    }
    assert_eq!(
        h.scalar(&still_held).await,
        0,
        "the attempt was never rescued"
    );
}

async fn claim<H: Harness>(h: &H, worker_id: &str, lease: Duration) -> Vec<ClaimedJob> {
    h.store()
        .job_claim(&ClaimParams {
            queue: "default",
            tasks: &[<Note as tranq::Task>::NAME],
            limit: 1000,
            worker_id,
            lease,
        })
        .await
        .unwrap()
}

/// The worker running attempt 1 of a job whose lease was lost claims attempt 2 of it too; each
/// attempt's outcome is kept apart (the newer one is stored, the older one fenced out).
pub async fn a_worker_running_two_attempts_of_one_job_stores_the_newer_outcome<H: Harness>() {
    let h: H = setup("two_attempts").await;
    let k = format!("two_attempts/{}", H::pair());
    let id = h
        .commit(vec![job::<Overlap, H>().build(&key(&k)).unwrap()])
        .await[0];
    let w = start(worker(&h, 4));
    eventually("the first attempt runs", || async {
        (runs(&k).len() == 1).then_some(())
    })
    .await;
    expire_and_rescue(&h, current_lease(&h, id).await).await;

    let job = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(runs(&k).len(), 2, "the rescued attempt and the new one");
    assert_eq!(runs(&format!("{k}:first_done")).len(), 1);
    assert_eq!(job.attempt, 2);
    h.cleanup().await;
}

/// A handler whose lease was lost hears it through `ctx.cancelled()` instead of running on
/// beside the next attempt.
pub async fn a_handler_whose_lease_was_lost_is_told<H: Harness>() {
    let h: H = setup("lease_told").await;
    let k = format!("lease_told/{}", H::pair());
    let id = h
        .commit(vec![job::<LeaseWatch, H>().build(&key(&k)).unwrap()])
        .await[0];
    let w = start(worker(&h, 2).lease(Duration::from_secs(3)));
    eventually("the first attempt runs", || async {
        (runs(&k).len() == 1).then_some(())
    })
    .await;
    // Its start is recorded (with the worker's next flush), so the lost attempt counts.
    let started =
        format!("SELECT count(*) FROM tranq_jobs WHERE id = {id} AND attempted_at IS NOT NULL");
    eventually("the start is recorded", || async {
        (h.scalar(&started).await == 1).then_some(())
    })
    .await;
    expire_and_rescue(&h, current_lease(&h, id).await).await;

    eventually("the first attempt is told", || async {
        (runs(&format!("{k}:told")).len() == 1).then_some(())
    })
    .await;
    let job = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(runs(&k).len(), 2);
    assert_eq!(job.attempt, 2, "the lost attempt counts");
    h.cleanup().await;
}

/// Jobs a worker claimed ahead (its prefetch buffer) and never started keep their attempt when
/// the worker dies: even a job allowed one attempt runs once.
pub async fn a_job_claimed_but_never_started_keeps_its_attempt<H: Harness>() {
    let h: H = setup("never_started").await;
    let k = format!("never_started/{}", H::pair());
    let id = h
        .commit(vec![
            job::<Note, H>().max_attempts(1).build(&key(&k)).unwrap(),
        ])
        .await[0];
    // Claimed by a worker that dies before starting it.
    assert_eq!(claim(&h, "died", Duration::from_millis(1)).await.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(h.store().job_rescue_expired(10).await.unwrap(), vec![id]);
    let rescued = h.job(id).await;
    assert_eq!(rescued.state, JobState::Retryable, "{rescued:?}");
    assert_eq!(rescued.attempt, 0, "the claim's attempt is given back");
    assert!(
        rescued.errors[0]
            .message
            .contains("the attempt is given back"),
        "{:?}",
        rescued.errors
    );

    let w = start(worker(&h, 2));
    let job = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(job.attempt, 1);
    assert_eq!(runs(&k).len(), 1);
    h.cleanup().await;
}

/// A job given back (its worker died before its start was recorded) keeps its place in the
/// queue and keeps being given back while it never starts: it is never counted, let alone
/// discarded, without running. Its next claims say so, and their handlers run only once their
/// start is recorded, so a job that crashes its worker at once still uses up its attempts.
pub async fn a_job_given_back_keeps_its_place_and_waits_for_its_start_next_time<H: Harness>() {
    let h: H = setup("given_back").await;
    let id = h
        .commit(vec![
            job::<Note, H>().max_attempts(1).build(&key("x")).unwrap(),
        ])
        .await[0];
    let run_at = h.job(id).await.run_at_us;
    for round in 1..=3 {
        let claimed = claim(&h, "dies", Duration::from_millis(1)).await;
        assert_eq!(claimed.len(), 1);
        assert_eq!(
            claimed[0].wait_for_start,
            round > 1,
            "round {round}: only a job given back before waits for its start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(h.store().job_rescue_expired(10).await.unwrap(), vec![id]);
        let job = h.job(id).await;
        assert_eq!(job.state, JobState::Retryable, "round {round}: {job:?}");
        assert_eq!(job.attempt, 0, "round {round}: given back");
        assert_eq!(job.run_at_us, run_at, "round {round}: it keeps its place");
    }
    h.cleanup().await;
}

/// An attempt that started counts when its worker dies, so attempts stay bounded.
pub async fn a_started_attempt_counts_when_its_worker_dies<H: Harness>() {
    let h: H = setup("started_counts").await;
    let id = h
        .commit(vec![
            job::<Note, H>().max_attempts(1).build(&key("x")).unwrap(),
        ])
        .await[0];
    let claimed = claim(&h, "died", Duration::from_millis(1)).await;
    h.store()
        .job_mark_started(&[claimed[0].lease()])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(h.store().job_rescue_expired(10).await.unwrap(), vec![id]);
    let job = h.job(id).await;
    assert_eq!(job.state, JobState::Discarded);
    assert_eq!(job.attempt, 1);
    assert!(job.errors[0].message.starts_with("lease expired"));
    h.cleanup().await;
}

/// `TaskError::snooze(Duration::MAX)` is clamped to what every database can store; the worker
/// stores it and shuts down promptly.
pub async fn a_snooze_longer_than_the_database_can_store_is_clamped<H: Harness>() {
    let h: H = setup("long_snooze").await;
    let k = format!("long_snooze/{}", H::pair());
    let id = h
        .commit(vec![job::<SnoozesForever, H>().build(&key(&k)).unwrap()])
        .await[0];
    let w = start(worker(&h, 2).grace_period(Duration::from_secs(2)));
    let in_a_year = SystemTime::now()
        .checked_add(Duration::from_secs(365 * 24 * 3600))
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap();
    let in_a_year = i64::try_from(in_a_year.as_micros()).unwrap();
    let store = h.store();
    let job = eventually("the snooze is stored, far in the future", || async {
        let job = store.job_get(id).await.unwrap()?;
        (job.state == JobState::Available && job.run_at_us > in_a_year).then_some(job)
    })
    .await;
    assert_eq!(runs(&k).len(), 1);
    assert_eq!(job.attempt, 0, "a snooze gives the attempt back");
    tokio::time::timeout(Duration::from_secs(10), w.stop())
        .await
        .expect("shutdown returns")
        .unwrap();
    h.cleanup().await;
}

/// Makes the database refuse to mark jobs of task `refused` completed (a constraint the
/// runtime cannot satisfy, like a value the database cannot store).
async fn refuse_completions<H: Harness>(h: &H) {
    let sql = match h.store().dialect() {
        Dialect::Sqlite => {
            "CREATE TRIGGER refuse_test BEFORE UPDATE ON tranq_jobs \
             WHEN NEW.state = 'completed' AND NEW.task = 'refused' \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        }
        _ => {
            "ALTER TABLE tranq_jobs ADD CONSTRAINT refuse_test \
             CHECK (NOT (state = 'completed' AND task = 'refused'))"
        }
    };
    h.execute(sql).await;
}

/// An outcome the database refuses for good is not retried forever: the other outcomes of its
/// batch are stored, the refused attempt is recorded as a failure (so attempts stay bounded),
/// and shutdown returns.
pub async fn an_outcome_the_database_refuses_does_not_stall_the_worker<H: Harness>() {
    let h: H = setup("refused").await;
    let k = format!("refused/{}", H::pair());
    refuse_completions(&h).await;
    let refused = h
        .commit(vec![job::<Refused, H>().build(&key(&k)).unwrap()])
        .await[0];
    let notes = h
        .commit((0..20).map(|_| note::<H>(&format!("{k}/note"))).collect())
        .await;
    let w = start(worker(&h, 4).grace_period(Duration::from_secs(2)));
    let job = h.wait_state(refused, JobState::Discarded).await;
    for id in notes {
        h.wait_state(id, JobState::Completed).await;
    }
    tokio::time::timeout(Duration::from_secs(10), w.stop())
        .await
        .expect("shutdown returns")
        .unwrap();
    assert_eq!(runs(&k).len(), 2, "both attempts ran, no more");
    assert_eq!(job.errors.len(), 2, "{:?}", job.errors);
    assert!(
        job.errors[0]
            .message
            .starts_with("the outcome could not be stored"),
        "{:?}",
        job.errors
    );
    h.cleanup().await;
}

/// A claim lost in a database crash (as `relaxed_commit` allows) must not let the next claim
/// reuse its lease token, or the lost claim's runner would pass the fence.
pub async fn a_claim_lost_in_a_database_crash_does_not_reuse_its_token<H: Harness>() {
    let h: H = setup("lost_claim").await;
    let id = h.commit(vec![note::<H>("lost_claim")]).await[0];
    let before = current_lease(&h, id).await.token;
    let lost = claim(&h, "lost", Duration::from_secs(60)).await;
    assert_eq!(lost.len(), 1);
    // The server crashed before the claim's commit reached the disk: the row is as it was.
    h.execute(&format!(
        "UPDATE tranq_jobs SET state = 'available', attempt = 0, lease_token = {before}, \
         lease_owner = NULL, lease_expires_at = NULL, attempted_at = NULL WHERE id = {id}"
    ))
    .await;
    let next = claim(&h, "next", Duration::from_secs(60)).await;
    assert_eq!(next.len(), 1);
    let stale = lost[0].lease();
    assert_ne!(
        next[0].lease_token, stale.token,
        "the lost claim's token came back"
    );
    assert!(next[0].lease_token > stale.token, "tokens only grow");

    let store = h.store();
    let done = Completion {
        id,
        token: stale.token,
        result: None,
    };
    assert!(store.job_complete_many(&[done]).await.unwrap().is_empty());
    let fail = FailParams {
        id,
        token: stale.token,
        next_state: JobState::Discarded,
        delay: Duration::ZERO,
        give_back_attempt: false,
        error: Some("stale".into()),
    };
    assert!(!store.job_fail(&fail).await.unwrap());
    assert!(store.job_release_many(&[stale]).await.unwrap().is_empty());
    let job = h.job(id).await;
    assert_eq!(
        job.state,
        JobState::Running,
        "the live claim still holds it"
    );
    h.cleanup().await;
}

/// Two batch writes over the same rows, their inputs in opposite orders, many times at once:
/// rows are locked in one order, so neither deadlocks.
pub async fn batch_writes_in_opposite_orders_do_not_deadlock<H: Harness>() {
    let h: H = setup("lock_order").await;
    h.commit((0..400).map(|_| note::<H>("lock_order")).collect())
        .await;
    let leases: Vec<Lease> = claim(&h, "w", Duration::from_secs(60))
        .await
        .iter()
        .map(ClaimedJob::lease)
        .collect();
    assert_eq!(leases.len(), 400);
    let reversed: Vec<Lease> = leases.iter().rev().copied().collect();
    let store = h.store();
    for _ in 0..30 {
        let (a, b) = tokio::join!(
            store.job_heartbeat_many(&leases, Duration::from_secs(60)),
            store.job_heartbeat_many(&reversed, Duration::from_secs(60)),
        );
        assert_eq!(a.expect("heartbeat in claim order").len(), 400);
        assert_eq!(b.expect("heartbeat in reverse order").len(), 400);
    }
    h.cleanup().await;
}
