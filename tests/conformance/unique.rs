//! Unique jobs: at most one job per (task, key) among the states the key covers, enforced by the
//! database under concurrency, with every caller told whether its job was inserted or which job
//! holds the key.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use tranq::internal::{NewJob, SqlStore};
use tranq::{Enqueued, JobFilter, JobId, JobState};

use crate::conformance::End;
use crate::conformance::enqueue::job;
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::start;
use crate::conformance::tasks::{Flaky, FlakyArgs, Note, OncePerKey, key};

const CALLERS: usize = 8;
const JOBS_PER_CALLER: usize = 1000;
/// The last jobs of each batch repeat the keys of its first ones.
const REPEATED_IN_BATCH: usize = 50;
const KEYS: usize = 1500;

/// Key numbers of caller `c`: overlapping other callers', the last ones repeating its first.
/// A caller that rolls back also has keys of its own (past `KEYS`), which must not survive.
fn caller_keys(c: usize) -> Vec<usize> {
    let fresh = JOBS_PER_CALLER - REPEATED_IN_BATCH;
    let own = |i: usize| rolls_back(c) && i.is_multiple_of(10);
    let mut keys: Vec<usize> = (0..fresh)
        .map(|i| {
            if own(i) {
                KEYS + c * fresh + i
            } else {
                (c * 131 + i * 7) % KEYS
            }
        })
        .collect();
    keys.extend_from_within(..REPEATED_IN_BATCH);
    keys
}

fn rolls_back(c: usize) -> bool {
    c % 4 == 3
}

fn unique_note<H: Harness>(k: &str) -> NewJob {
    job::<Note, H>().unique_key(k).build(&key(k)).unwrap()
}

async fn all_ids<H: Harness>(h: &H) -> HashSet<JobId> {
    let store = SqlStore::<H::Backend>::new(h.backend());
    let mut filter = JobFilter::new().limit(1000);
    let mut ids = HashSet::new();
    loop {
        let page = store.jobs(&filter).await.unwrap();
        ids.extend(page.iter().map(|j| j.id));
        match page.last() {
            Some(last) if page.len() == 1000 => filter = filter.after(last.id),
            _ => return ids,
        }
    }
}

pub async fn concurrent_batches_with_overlapping_keys_leave_one_live_job_per_key<H: Harness>() {
    let h: H = setup("unique_race").await;
    let calls = (0..CALLERS).map(|c| {
        let h = &h;
        async move {
            let keys = caller_keys(c);
            let jobs: Vec<NewJob> = keys
                .iter()
                .map(|n| unique_note::<H>(&format!("k{n}")))
                .collect();
            // MariaDB may break a deadlock between batches over the same keys by failing one
            // transaction, which then runs again, as its error says to.
            let mut deadlocks = 0;
            let (outcomes, open) = loop {
                match h.enqueue_open(jobs.clone()).await {
                    Ok(open) => break open,
                    Err(e) if e.is_deadlock() && H::pair().ends_with("mysql") => deadlocks += 1,
                    Err(e) => panic!("caller {c}: {e}"),
                }
            };
            let end = if rolls_back(c) {
                End::Rollback
            } else {
                End::Commit
            };
            open.end(end).await.unwrap();
            (c, keys, outcomes, deadlocks)
        }
    });
    let results = futures::future::join_all(calls).await;

    // Every committed caller: for each key, what it was told.
    let mut holder: HashMap<usize, JobId> = HashMap::new();
    let mut inserted = 0;
    for (c, keys, outcomes, _) in results.iter().filter(|(c, ..)| !rolls_back(*c)) {
        assert_eq!(
            outcomes.len(),
            keys.len(),
            "caller {c}: one outcome per job"
        );
        for (i, (n, outcome)) in keys.iter().zip(outcomes).enumerate() {
            if i >= JOBS_PER_CALLER - REPEATED_IN_BATCH {
                let first = outcomes[i - (JOBS_PER_CALLER - REPEATED_IN_BATCH)];
                assert_eq!(
                    *outcome,
                    Enqueued::Duplicate(first.id()),
                    "caller {c}: a key repeated in the batch is a duplicate of its first job"
                );
            }
            if let Enqueued::Inserted(id) = outcome {
                inserted += 1;
                if let Some(other) = holder.insert(*n, *id) {
                    panic!("key k{n} inserted twice by committed callers: jobs {other} and {id}");
                }
            }
        }
    }
    // Duplicates name the job that holds the key, which a committed caller inserted.
    for (c, keys, outcomes, _) in results.iter().filter(|(c, ..)| !rolls_back(*c)) {
        for (n, outcome) in keys.iter().zip(outcomes) {
            assert_eq!(
                holder.get(n),
                Some(&outcome.id()),
                "caller {c}, key k{n}: told {outcome:?}, but the key is held by another job"
            );
        }
    }
    let committed_keys: HashSet<usize> = (0..CALLERS)
        .filter(|c| !rolls_back(*c))
        .flat_map(caller_keys)
        .collect();
    assert_eq!(
        holder.len(),
        committed_keys.len(),
        "every committed key has its job"
    );
    assert_eq!(inserted, holder.len());
    // The table holds exactly those jobs: none of a rolled-back caller, none twice.
    let stored = all_ids(&h).await;
    assert_eq!(stored, holder.values().copied().collect::<HashSet<_>>());
    let deadlocks: usize = results.iter().map(|r| r.3).sum();
    eprintln!(
        "{}: {CALLERS} callers x {JOBS_PER_CALLER} jobs, {} keys committed, {} rows, \
         {deadlocks} transactions run again after a deadlock",
        H::pair(),
        committed_keys.len(),
        stored.len()
    );
    h.cleanup().await;
}

pub async fn a_key_is_held_per_task_while_live_and_a_period_key_also_once_completed<H: Harness>() {
    let h: H = setup("unique_life").await;
    let enqueue = |jobs: Vec<NewJob>| {
        let h = &h;
        async move { h.enqueue(jobs, End::Commit).await.unwrap().outcomes }
    };
    let first = enqueue(vec![unique_note::<H>("x")]).await[0];
    let Enqueued::Inserted(held) = first else {
        panic!("the first job with a key is inserted: {first:?}")
    };
    assert_eq!(
        enqueue(vec![unique_note::<H>("x")]).await,
        vec![Enqueued::Duplicate(held)]
    );
    // Another task may hold the same key.
    let flaky = job::<Flaky, H>()
        .unique_key("x")
        .build(&FlakyArgs {
            key: "unique_life/flaky".into(),
            fail_times: 0,
        })
        .unwrap();
    assert!(matches!(
        enqueue(vec![flaky]).await[..],
        [Enqueued::Inserted(_)]
    ));
    // Derived from the arguments by `#[task(unique = [key])]`.
    let once = || {
        job::<OncePerKey, H>()
            .build(&key("unique_life/once"))
            .unwrap()
    };
    let [Enqueued::Inserted(once_id)] = enqueue(vec![once()]).await[..] else {
        panic!("the first job of a derived key is inserted")
    };
    assert_eq!(
        enqueue(vec![once()]).await,
        vec![Enqueued::Duplicate(once_id)]
    );
    // At most once an hour: the key outlives the job's completion.
    let hourly = || {
        job::<Note, H>()
            .unique_key("hourly")
            .unique_period(Duration::from_secs(3600))
            .build(&key("unique_life/hourly"))
            .unwrap()
    };
    let [Enqueued::Inserted(hourly_id)] = enqueue(vec![hourly()]).await[..] else {
        panic!("the first job of a period is inserted")
    };

    let w = start(worker(&h, 4));
    h.wait_state(held, JobState::Completed).await;
    h.wait_state(hourly_id, JobState::Completed).await;
    w.stop().await.unwrap();

    // A finished job frees a live key; the period's key stays held by the completed job.
    let again = enqueue(vec![unique_note::<H>("x")]).await;
    assert!(
        matches!(again[..], [Enqueued::Inserted(id)] if id != held),
        "a completed job no longer holds its key: {again:?}"
    );
    assert_eq!(
        enqueue(vec![hourly()]).await,
        vec![Enqueued::Duplicate(hourly_id)]
    );
    // A bad key is refused before anything is written.
    let too_long = job::<Note, H>()
        .unique_key("k".repeat(300))
        .build(&key("unique_life"));
    assert!(matches!(
        too_long,
        Err(tranq::Error::InvalidUniqueKey { task: "note", .. })
    ));
    h.cleanup().await;
}

pub async fn a_finished_job_whose_key_another_holds_is_not_retried_and_says_why<H: Harness>() {
    let h: H = setup("unique_retry").await;
    let store = SqlStore::<H::Backend>::new(h.backend());
    let enqueue = |jobs: Vec<NewJob>| {
        let h = &h;
        async move { h.enqueue(jobs, End::Commit).await.unwrap().outcomes }
    };
    let [Enqueued::Inserted(first)] = enqueue(vec![unique_note::<H>("again")]).await[..] else {
        panic!("the first job of a key is inserted")
    };
    store.discard(first).await.unwrap();
    // Discarded, it no longer holds the key: a second job takes it.
    let [Enqueued::Inserted(second)] = enqueue(vec![unique_note::<H>("again")]).await[..] else {
        panic!("a discarded job frees its key")
    };
    match store.retry(first).await {
        Err(tranq::Error::UniqueKeyTaken { id, .. }) if id == first.0 => {}
        other => panic!("retrying a job whose key is taken: {other:?}"),
    }
    assert_eq!(h.job(first).await.state, JobState::Discarded);
    assert_eq!(h.job(second).await.state, JobState::Available);
    h.cleanup().await;
}
