//! Enqueue inside the caller's transaction: commit, rollback, visibility, one statement, options.

use std::time::Duration;

use tranq::{JobBuilder, JobState, Task};

use crate::conformance::harness::{End, Harness, setup, worker};
use crate::conformance::probe::{runs, start};
use crate::conformance::tasks::{Note, key};

/// Builder of `T` jobs for the harness's adapter.
pub fn job<T: Task, H: Harness>() -> JobBuilder<T> {
    JobBuilder::new()
}

/// One `note` job under `k`.
pub fn note<H: Harness>(k: &str) -> tranq::internal::NewJob {
    job::<Note, H>().build(&key(k)).unwrap()
}

pub async fn committed_enqueue_runs_exactly_once<H: Harness>() {
    let h: H = setup("commit_once").await;
    let k = format!("commit_once/{}", H::pair());
    let id = h.commit(vec![note::<H>(&k)]).await[0];

    let w = start(worker(&h, 4));
    let job = h.wait_state(id, JobState::Completed).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    w.stop().await.unwrap();

    assert_eq!(runs(&k).len(), 1);
    assert_eq!(job.attempt, 1);
    assert_eq!(
        job.result,
        Some(serde_json::json!(1)),
        "the task's return value is stored"
    );
    assert_eq!(
        job.result_as::<u32>().unwrap(),
        Some(1),
        "and reads back typed"
    );
    assert!(matches!(
        job.result_as::<Vec<String>>(),
        Err(tranq::Error::ResultType { .. })
    ));
    h.cleanup().await;
}

pub async fn rolled_back_enqueue_never_runs_and_leaves_no_row<H: Harness>() {
    let h: H = setup("rollback").await;
    let k = format!("rollback/{}", H::pair());
    let w = start(worker(&h, 4));
    h.enqueue(vec![note::<H>(&k)], End::Rollback).await.unwrap();
    h.enqueue(vec![note::<H>(&k), note::<H>(&k)], End::Rollback)
        .await
        .unwrap();
    // A committed job after the rolled-back ones: once it ran, the worker has looked.
    let marker = h.commit(vec![note::<H>(&format!("{k}/marker"))]).await[0];
    h.wait_state(marker, JobState::Completed).await;
    w.stop().await.unwrap();

    assert!(runs(&k).is_empty(), "a rolled-back job ran");
    assert_eq!(h.count_jobs().await, 1, "only the marker row exists");
    h.cleanup().await;
}

pub async fn open_transaction_job_is_invisible_until_commit<H: Harness>() {
    let h: H = setup("invisible").await;
    let k = format!("invisible/{}", H::pair());
    let w = start(worker(&h, 4));
    let (outcomes, open) = h.enqueue_open(vec![note::<H>(&k)]).await.unwrap();
    let ids = crate::conformance::ids_of(outcomes);

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(runs(&k).is_empty(), "ran before commit");
    use tranq::internal::Store as _;
    let seen = h.store().job_get(ids[0]).await.unwrap();
    assert!(seen.is_none(), "visible outside its transaction");

    open.commit().await.unwrap();
    h.wait_state(ids[0], JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(runs(&k).len(), 1);
    h.cleanup().await;
}

/// One statement per call whatever the batch size, but where the pair says otherwise
/// ([`Harness::enqueue_statements`]).
pub async fn enqueue_adds_exactly_the_stated_statements_to_the_transaction<H: Harness>() {
    let h: H = setup("one_stmt").await;
    let one = h
        .enqueue(vec![note::<H>("one_stmt")], End::Commit)
        .await
        .unwrap();
    let many = h
        .enqueue(
            (0..250).map(|_| note::<H>("one_stmt")).collect(),
            End::Commit,
        )
        .await
        .unwrap();
    match (one.statements, many.statements) {
        (Some(single), Some(batch)) => {
            assert_eq!(single, H::enqueue_statements(1), "statements for one job");
            assert_eq!(batch, H::enqueue_statements(250), "statements for 250 jobs");
        }
        _ => eprintln!(
            "not applicable on {}: the adapter cannot count statements",
            H::pair()
        ),
    }
    assert_eq!(many.ids.len(), 250);
    assert!(
        many.ids.windows(2).all(|w| w[0] < w[1]),
        "ids come back in order"
    );
    assert_eq!(h.count_jobs().await, 251);
    h.cleanup().await;
}

/// Six transactions insert 40 jobs each at the same time; every id an enqueue returns is
/// the row it inserted (on MariaDB through sync Diesel the ids come from `LAST_INSERT_ID()`).
pub async fn concurrent_enqueues_each_get_the_ids_of_their_own_rows<H: Harness>() {
    let h: H = setup("own_ids").await;
    let calls = (0..6).map(|call| {
        let keys: Vec<String> = (0..40).map(|i| format!("own_ids/{call}/{i}")).collect();
        let h = &h;
        async move {
            let jobs = keys.iter().map(|k| note::<H>(k)).collect();
            let (outcomes, open) = h.enqueue_open(jobs).await.unwrap();
            let ids = crate::conformance::ids_of(outcomes);
            open.commit().await.unwrap();
            (keys, ids)
        }
    });
    for (keys, ids) in futures::future::join_all(calls).await {
        assert_eq!(ids.len(), keys.len());
        for (k, id) in keys.iter().zip(ids) {
            let args = h.job(id).await.args;
            assert_eq!(
                args["key"],
                k.as_str(),
                "job {id} holds another call's arguments"
            );
        }
    }
    assert_eq!(h.count_jobs().await, 240);
    h.cleanup().await;
}

pub async fn options_are_stored_on_the_row<H: Harness>() {
    let h: H = setup("options").await;
    let built = job::<Note, H>()
        .queue("reports")
        .priority(-3)
        .max_attempts(7)
        .tag("tenant:42")
        .delay(Duration::from_secs(3600))
        .build(&key("options"))
        .unwrap();
    let id = h.commit(vec![built]).await[0];
    let stored = h.job(id).await;
    assert_eq!(stored.queue, "reports");
    assert_eq!(stored.priority, -3);
    assert_eq!(stored.max_attempts, 7);
    assert_eq!(stored.tags, vec!["tenant:42".to_owned()]);
    assert_eq!(stored.state, JobState::Available);
    let now_us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    let ahead = stored.run_at_us - now_us;
    assert!(
        ahead > 3_500_000_000 && ahead < 3_700_000_000,
        "run_at is an hour ahead: {ahead}"
    );

    let at = std::time::UNIX_EPOCH + Duration::from_secs(4_000_000_000);
    let built = job::<Note, H>().run_at(at).build(&key("options")).unwrap();
    let id = h.commit(vec![built]).await[0];
    assert_eq!(h.job(id).await.run_at_us, 4_000_000_000_000_000);
    h.cleanup().await;
}

pub async fn bad_enqueue_input_is_a_typed_error_and_writes_nothing<H: Harness>() {
    let h: H = setup("bad_input").await;
    let err = job::<Note, H>().queue("").build(&key("x")).unwrap_err();
    assert!(matches!(err, tranq::Error::InvalidQueue { .. }), "{err}");
    let err = job::<Note, H>()
        .queue("q".repeat(200))
        .build(&key("x"))
        .unwrap_err();
    assert!(matches!(err, tranq::Error::InvalidQueue { .. }), "{err}");
    let err = job::<Note, H>()
        .max_attempts(0)
        .build(&key("x"))
        .unwrap_err();
    assert!(
        matches!(err, tranq::Error::InvalidMaxAttempts { task: "note", .. }),
        "{err}"
    );
    let err = job::<Note, H>()
        .max_payload_bytes(64)
        .build(&key(&"x".repeat(100)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            tranq::Error::PayloadTooLarge {
                size: 110,
                limit: 64,
                ..
            }
        ),
        "{err}"
    );
    // One bad job in a batch: nothing of the batch is built, so nothing is written.
    let err = job::<Note, H>()
        .max_payload_bytes(20)
        .build_many(vec![key("ok"), key(&"y".repeat(50))])
        .unwrap_err();
    assert!(matches!(err, tranq::Error::PayloadTooLarge { .. }));
    // NUL, which PostgreSQL cannot store, is refused on every database.
    let err = job::<Note, H>().build(&key("a\0b")).unwrap_err();
    assert!(
        matches!(
            err,
            tranq::Error::NulCharacter {
                what: "arguments",
                ..
            }
        ),
        "{err}"
    );
    let err = job::<Note, H>().tag("t\0").build(&key("x")).unwrap_err();
    assert!(
        matches!(err, tranq::Error::NulCharacter { what: "tags", .. }),
        "{err}"
    );
    assert_eq!(h.count_jobs().await, 0);
    // A backslash followed by `u0000` is text, not NUL: stored and read back as given.
    let id = h.commit(vec![note::<H>("a\\u0000b")]).await[0];
    assert_eq!(h.job(id).await.args["key"], "a\\u0000b");
    h.cleanup().await;
}

pub async fn arguments_that_serialize_to_null_are_stored_and_run<H: Harness>() {
    let h: H = setup("null_args").await;
    let job = job::<crate::conformance::tasks::WithoutArgs, H>()
        .build(&())
        .unwrap();
    let id = h.commit(vec![job]).await[0];
    assert_eq!(h.job(id).await.args, serde_json::Value::Null);
    let w = start(worker(&h, 1));
    let done = h.wait_state(id, JobState::Completed).await;
    w.stop().await.unwrap();
    assert_eq!(done.attempt, 1);
    h.cleanup().await;
}
