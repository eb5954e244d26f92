//! The outbox relay (feature `relay`): events enqueued through the adapter, committed or rolled
//! back, reach the JetStream stream exactly once each, with the job id as `Nats-Msg-Id`; ordered
//! events of one subject keep their order when an earlier one is not due yet.

use std::collections::HashMap;
use std::time::Duration;

use tranq::JobState;
use tranq::relay::{Event, Publish, RelayConfig, RelayWorker as _};

use crate::conformance::harness::{End, Harness, setup};
use crate::conformance::probe::{fast_backoff, start};

#[path = "../support/nats.rs"]
mod nats;

/// A worker that only relays, polling quickly.
fn relay_worker<H: Harness>(
    h: &H,
    js: tranq::relay::async_nats::jetstream::Context,
) -> tranq::WorkerBuilder {
    tranq::Worker::builder(h.store())
        .poll_interval(Duration::from_millis(50))
        .backoff(fast_backoff())
        .relay(js, RelayConfig::new().ordered(true).concurrency(8))
        .expect("relay config")
}

/// Waits until every job of `ids` is completed.
async fn wait_completed<H: Harness>(h: &H, ids: &[tranq::JobId]) {
    for &id in ids {
        h.wait_state(id, JobState::Completed).await;
    }
}

pub async fn committed_events_are_published_once_with_their_job_id_and_rolled_back_ones_never<
    H: Harness,
>() {
    let h: H = setup("relay_once").await;
    let js = nats::connect(&nats::url()).await;
    let (stream, prefix) = nats::test_stream(&js, Duration::from_secs(120)).await;
    let event = |tag: &str, n: usize| {
        Event::new(format!("{prefix}.{}", n % 3), format!("{tag}-{n}")).header("Test-Tag", tag)
    };
    let committed = h
        .enqueue(
            Publish::builder()
                .build_many((0..20).map(|n| event("c", n)))
                .unwrap(),
            End::Commit,
        )
        .await
        .unwrap()
        .ids;
    let ordered = h
        .enqueue(
            Publish::ordered()
                .build_many((20..25).map(|n| event("c", n)))
                .unwrap(),
            End::Commit,
        )
        .await
        .unwrap()
        .ids;
    h.enqueue(
        Publish::builder()
            .build_many((0..10).map(|n| event("r", n)))
            .unwrap(),
        End::Rollback,
    )
    .await
    .unwrap();

    let worker = start(relay_worker(&h, js.clone()));
    let all: Vec<_> = committed.iter().chain(&ordered).copied().collect();
    wait_completed(&h, &all).await;
    worker.stop().await.unwrap();

    let read = nats::read_stream(&js, &stream).await;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for message in &read {
        *seen.entry(message.payload.clone()).or_default() += 1;
        assert!(
            message.payload.starts_with("c-"),
            "a rolled-back event was published on {}: {message:?}",
            H::pair()
        );
    }
    assert_eq!(read.len(), 25, "{}: {read:?}", H::pair());
    assert!(
        seen.values().all(|&n| n == 1),
        "{}: duplicates {seen:?}",
        H::pair()
    );
    let ids: Vec<String> = all.iter().map(|id| id.0.to_string()).collect();
    let mut got: Vec<String> = read.iter().filter_map(|m| m.msg_id.clone()).collect();
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want, "Nats-Msg-Id is the job id on {}", H::pair());
    js.delete_stream(&stream).await.unwrap();
    h.cleanup().await;
}

pub async fn an_ordered_event_waits_for_an_earlier_one_of_its_subject_that_is_not_due_yet<
    H: Harness,
>() {
    let h: H = setup("relay_order").await;
    let js = nats::connect(&nats::url()).await;
    let (stream, prefix) = nats::test_stream(&js, Duration::from_secs(120)).await;
    let subject = format!("{prefix}.order.1");
    let other = format!("{prefix}.order.2");
    // The first event of the subject is not due for 1.5 s (as after a failed attempt, waiting
    // for its backoff); the ones after it are due now. Another subject is not held up.
    let mut ids = h
        .enqueue(
            vec![
                Publish::ordered()
                    .delay(Duration::from_millis(1500))
                    .build(&Event::new(subject.clone(), "first"))
                    .unwrap(),
            ],
            End::Commit,
        )
        .await
        .unwrap()
        .ids;
    ids.extend(
        h.enqueue(
            Publish::ordered()
                .build_many([
                    Event::new(subject.clone(), "second"),
                    Event::new(other.clone(), "other"),
                    Event::new(subject.clone(), "third"),
                ])
                .unwrap(),
            End::Commit,
        )
        .await
        .unwrap()
        .ids,
    );
    let worker = start(relay_worker(&h, js.clone()));
    wait_completed(&h, &ids).await;
    worker.stop().await.unwrap();
    let order: Vec<String> = nats::read_stream(&js, &stream)
        .await
        .into_iter()
        .map(|m| m.payload)
        .collect();
    assert_eq!(
        order,
        ["other", "first", "second", "third"],
        "per-subject order on {}",
        H::pair()
    );
    js.delete_stream(&stream).await.unwrap();
    h.cleanup().await;
}

pub async fn an_event_nats_cannot_take_is_cancelled_with_the_reason<H: Harness>() {
    let h: H = setup("relay_bad").await;
    let js = nats::connect(&nats::url()).await;
    let ids = h
        .enqueue(
            vec![
                Publish::builder()
                    .build(&Event::new("bad subject", "x"))
                    .unwrap(),
            ],
            End::Commit,
        )
        .await
        .unwrap()
        .ids;
    let worker = start(relay_worker(&h, js));
    let job = h.wait_state(ids[0], JobState::Cancelled).await;
    worker.stop().await.unwrap();
    let message = &job.errors.last().expect("an error").message;
    assert!(
        message.contains("invalid subject \"bad subject\""),
        "{}: {message}",
        H::pair()
    );
    h.cleanup().await;
}
