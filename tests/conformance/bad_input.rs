//! Bad input to the runtime changes nothing it should not: a huge error message is cut and
//! stored, a row edited by hand into an impossible state is reported and skipped while the
//! worker carries on.

use std::time::Duration;

use tranq::internal::Store as _;
use tranq::{Dialect, JobId, JobState, MAX_ERROR_MESSAGE_BYTES, MAX_RESULT_BYTES};

use crate::conformance::enqueue::{job, note};
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{Logs, eventually, runs, start};
use crate::conformance::tasks::{BigResult, GivesUp, Loud, LoudArgs, NulArgs, NulBytes, key};

pub async fn a_huge_error_message_is_truncated_and_stored<H: Harness>() {
    let h: H = setup("huge_error").await;
    // 2 MB of two-byte characters between a head and a tail: the cut must fall on a character
    // boundary, keep the head and drop the tail.
    let args = LoudArgs { chars: 1_000_000 };
    let id = h.commit(vec![job::<Loud, H>().build(&args).unwrap()]).await[0];
    let w = start(worker(&h, 1));
    let job = h.wait_state(id, JobState::Discarded).await;
    let after = h.commit(vec![note::<H>("huge_error/after")]).await[0];
    h.wait_state(after, JobState::Completed).await;
    w.stop().await.unwrap();

    assert_eq!(job.attempt, 1);
    assert_eq!(job.errors.len(), 1);
    let message = &job.errors[0].message;
    assert!(
        message.len() <= MAX_ERROR_MESSAGE_BYTES + 64,
        "{} bytes stored",
        message.len()
    );
    assert!(message.starts_with("head:éé"), "{}", &message[..40]);
    assert!(!message.contains(":tail"));
    // `<kept>… [<n> more bytes truncated]`: what is kept and what is dropped add up.
    let (kept, marker) = message.rsplit_once("… [").expect("a truncation marker");
    let dropped: usize = marker
        .strip_suffix(" more bytes truncated]")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("marker {marker:?}"));
    assert!(kept.len() <= MAX_ERROR_MESSAGE_BYTES && kept.len() > MAX_ERROR_MESSAGE_BYTES - 4);
    assert_eq!(
        kept.len() + dropped,
        "head:".len() + 2 * args.chars + ":tail".len()
    );
    h.cleanup().await;
}

/// A result and an error message holding a NUL character are stored (the NUL replaced by
/// U+FFFD, which every database takes), instead of a write the database refuses forever.
pub async fn a_nul_character_in_a_result_or_error_is_stored<H: Harness>() {
    let h: H = setup("nul_bytes").await;
    let ok = h
        .commit(vec![
            job::<NulBytes, H>()
                .build(&NulArgs { fail: false })
                .unwrap(),
        ])
        .await[0];
    let failed = h
        .commit(vec![
            job::<NulBytes, H>().build(&NulArgs { fail: true }).unwrap(),
        ])
        .await[0];
    let w = start(worker(&h, 2));
    let completed = h.wait_state(ok, JobState::Completed).await;
    let discarded = h.wait_state(failed, JobState::Discarded).await;
    let after = h.commit(vec![note::<H>("nul_bytes/after")]).await[0];
    h.wait_state(after, JobState::Completed).await;
    w.stop().await.unwrap();

    assert_eq!(completed.result, Some(serde_json::json!("a\u{FFFD}b")));
    assert_eq!(discarded.attempt, 1);
    assert_eq!(discarded.errors.len(), 1);
    assert_eq!(discarded.errors[0].message, "bad\u{FFFD}byte");
    h.cleanup().await;
}

/// A result over `MAX_RESULT_BYTES` is replaced by a note and its job completes, and so does
/// a job that finishes beside it.
pub async fn a_result_over_the_size_limit_is_replaced_and_the_job_completes<H: Harness>() {
    let h: H = setup("big_result").await;
    let big = job::<BigResult, H>()
        .build(&(2 * MAX_RESULT_BYTES))
        .unwrap();
    let ids = h.commit(vec![big, note::<H>("big_result/beside")]).await;
    let w = start(worker(&h, 2));
    let big = h.wait_state(ids[0], JobState::Completed).await;
    h.wait_state(ids[1], JobState::Completed).await;
    w.stop().await.unwrap();

    let result = big.result.expect("a note in place of the result");
    let why = result["tranq_result_dropped"].as_str().unwrap_or_default();
    assert!(why.contains("over the 1048576-byte limit"), "{result}");
    h.cleanup().await;
}

/// Twenty results just under `MAX_RESULT_BYTES`, finishing together: more than MariaDB takes
/// in one statement (`max_allowed_packet`, 16 MiB), so the completer splits its batches by
/// size and every job completes with its result.
pub async fn many_large_results_finishing_together_are_all_stored<H: Harness>() {
    let h: H = setup("large_results").await;
    let bytes = MAX_RESULT_BYTES - 100;
    let jobs = (0..20)
        .map(|_| job::<BigResult, H>().build(&bytes).unwrap())
        .collect();
    let ids = h.commit(jobs).await;
    let w = start(worker(&h, 20));
    for &id in &ids {
        let job = h.wait_state(id, JobState::Completed).await;
        let result = job.result.expect("the result");
        assert_eq!(result.as_str().map(str::len), Some(bytes), "job {id}");
    }
    w.stop().await.unwrap();
    h.cleanup().await;
}

/// Rows a person edited into states the runtime never makes:
/// - running without a lease expiry: counts as expired, is rescued and runs again;
/// - claimable with a negative attempt (its claim would be attempt -4): reported in the logs,
///   not run, discarded with the reason; the jobs claimed in the same batch run;
/// - (SQLite, where JSON columns are plain text) an errors column that is not JSON: the
///   failure is still stored.
pub async fn a_job_row_edited_into_an_impossible_state_is_reported_and_skipped<H: Harness>() {
    let (logs, _guard) = Logs::capture();

    let h: H = setup("impossible").await;
    let k = format!("impossible/{}", H::pair());
    let ids = h
        .commit(vec![
            note::<H>(&k),
            note::<H>(&k),
            note::<H>(&k),
            note::<H>(&k),
        ])
        .await;
    let (unleased, negative, good) = (ids[0], ids[1], [ids[2], ids[3]]);
    h.execute(&format!(
        "UPDATE tranq_jobs SET state = 'running', attempt = 1, lease_owner = 'gone', \
         attempted_at = created_at, lease_expires_at = NULL WHERE id = {unleased}"
    ))
    .await;
    h.execute(&format!(
        "UPDATE tranq_jobs SET attempt = -5 WHERE id = {negative}"
    ))
    .await;
    let sqlite = h.store().dialect() == Dialect::Sqlite;
    let mut garbled = None;
    if sqlite {
        let id = h
            .commit(vec![job::<GivesUp, H>().build(&key(&k)).unwrap()])
            .await[0];
        h.execute(&format!(
            "UPDATE tranq_jobs SET errors = 'not json' WHERE id = {id}"
        ))
        .await;
        garbled = Some(id);
    }

    let w = start(worker(&h, 4).rescue_interval(Duration::from_millis(100)));
    for id in good {
        h.wait_state(id, JobState::Completed).await;
    }
    let rescued = h.wait_state(unleased, JobState::Completed).await;
    // job_get cannot read this row (a negative attempt): look with plain SQL.
    let errors_text = match h.store().dialect() {
        Dialect::Postgres => "errors::text",
        _ => "errors",
    };
    let discarded_with_reason = format!(
        "SELECT count(*) FROM tranq_jobs WHERE id = {negative} AND state = 'discarded' \
         AND {errors_text} LIKE '%impossible state%'"
    );
    eventually("the impossible row is set aside", || async {
        (h.scalar(&discarded_with_reason).await == 1).then_some(())
    })
    .await;
    let cancelled = match garbled {
        Some(id) => Some(h.wait_state(id, JobState::Cancelled).await),
        None => None,
    };
    let after = h.commit(vec![note::<H>(&format!("{k}/after"))]).await[0];
    h.wait_state(after, JobState::Completed).await;
    w.stop().await.unwrap();

    assert_eq!(rescued.attempt, 2, "the lost attempt counts");
    assert!(
        rescued.errors[0]
            .message
            .contains("running without a lease expiry"),
        "{:?}",
        rescued.errors
    );
    let ran: Vec<JobId> = runs(&k).iter().map(|r| r.job).collect();
    assert!(!ran.contains(&negative), "the impossible row ran");
    assert_eq!(ran.len(), 3, "{ran:?}");
    let text = logs.text();
    assert!(
        text.contains("impossible state") && text.contains(&format!("job.id={negative}")),
        "not reported in the logs:\n{text}"
    );
    if let Some(job) = cancelled {
        assert_eq!(job.errors.len(), 1, "{:?}", job.errors);
        assert_eq!(job.errors[0].message, format!("nothing to do for {k}"));
    } else {
        eprintln!(
            "not applicable on {}: its JSON columns refuse text that is not JSON",
            H::pair()
        );
    }
    h.cleanup().await;
}
