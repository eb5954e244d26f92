//! Metrics through the `metrics` facade: what a known set of jobs adds to each counter and
//! histogram, and the leader's queue-depth gauges.
//!
//! The facade holds one recorder per process and the tests of a binary run in parallel, so the
//! recorder here keeps every series by its full key and this test reads only the series of its
//! own queue.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics::{
    Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use tranq::{JobState, Task, metric_names as names};

use crate::conformance::enqueue::job;
use crate::conformance::harness::{End, Harness, setup};
use crate::conformance::probe::{eventually, fast_backoff, start};
use crate::conformance::tasks::{Flaky, FlakyArgs, GivesUp, Note, key};

/// Counts the values a histogram was given.
#[derive(Default)]
struct Samples(AtomicU64);

impl HistogramFn for Samples {
    fn record(&self, _value: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counters and gauges as atomics, histograms as sample counts, by key.
#[derive(Default)]
struct TestRecorder {
    counters: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    gauges: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    histograms: Mutex<HashMap<Key, Arc<Samples>>>,
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(entry(&self.counters, key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(entry(&self.gauges, key))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(entry(&self.histograms, key))
    }
}

fn entry<T: Default>(map: &Mutex<HashMap<Key, Arc<T>>>, key: &Key) -> Arc<T> {
    map.lock().unwrap().entry(key.clone()).or_default().clone()
}

/// The process's recorder, installed by the first test that asks.
fn recorder() -> &'static TestRecorder {
    static RECORDER: OnceLock<&'static TestRecorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder: &'static TestRecorder = Box::leak(Box::default());
        metrics::set_global_recorder(recorder).expect("no other recorder in this binary");
        recorder
    })
}

/// The series `name` whose labels include every one of `labels` (0 when never registered).
fn read<T>(
    map: &Mutex<HashMap<Key, Arc<T>>>,
    name: &str,
    labels: &[(&str, &str)],
    value: impl Fn(&T) -> u64,
) -> u64 {
    map.lock()
        .unwrap()
        .iter()
        .filter(|(key, _)| key.name() == name)
        .filter(|(key, _)| {
            labels
                .iter()
                .all(|(k, v)| key.labels().any(|l| l.key() == *k && l.value() == *v))
        })
        .map(|(_, series)| value(series))
        .sum()
}

impl TestRecorder {
    fn counter(&self, name: &str, queue: &str, task: &str) -> u64 {
        read(
            &self.counters,
            name,
            &[("queue", queue), ("task", task)],
            |c| c.load(Ordering::Relaxed),
        )
    }
    fn samples(&self, name: &str, queue: &str, task: &str) -> u64 {
        read(
            &self.histograms,
            name,
            &[("queue", queue), ("task", task)],
            |h| h.0.load(Ordering::Relaxed),
        )
    }
    fn gauge(&self, queue: &str, state: &str) -> f64 {
        let bits = read(
            &self.gauges,
            names::QUEUE_JOBS,
            &[("queue", queue), ("state", state)],
            |g| g.load(Ordering::Relaxed),
        );
        f64::from_bits(bits)
    }
}

/// A queue no other test uses.
const QUEUE: &str = "conformance-metrics";

pub async fn job_counters_and_histograms_move_with_each_outcome_and_the_leader_samples_depth<
    H: Harness,
>() {
    let m = recorder();
    let h: H = setup("metrics").await;
    let k = format!("metrics/{}", H::pair());
    let flaky = |fail_times| FlakyArgs {
        key: k.clone(),
        fail_times,
    };
    let mut jobs = Vec::new();
    for _ in 0..3 {
        jobs.push(job::<Note, H>().queue(QUEUE).build(&key(&k)).unwrap());
    }
    // Completes on its second attempt; discarded after its two.
    jobs.push(job::<Flaky, H>().queue(QUEUE).build(&flaky(1)).unwrap());
    jobs.push(
        job::<Flaky, H>()
            .queue(QUEUE)
            .max_attempts(2)
            .build(&flaky(100))
            .unwrap(),
    );
    jobs.push(job::<GivesUp, H>().queue(QUEUE).build(&key(&k)).unwrap());
    let ids = h.commit(jobs).await;
    // Counted when the statement returned, so a rolled-back enqueue counts too (documented).
    h.enqueue(
        vec![job::<Note, H>().queue(QUEUE).build(&key(&k)).unwrap()],
        End::Rollback,
    )
    .await
    .unwrap();

    let worker = start(
        tranq::Worker::builder(h.store())
            .queue(QUEUE, 4)
            .poll_interval(Duration::from_millis(100))
            .backoff(fast_backoff())
            .queue_depth_interval(Duration::from_millis(100)),
    );
    let ends = [
        JobState::Completed,
        JobState::Completed,
        JobState::Completed,
        JobState::Completed,
        JobState::Discarded,
        JobState::Cancelled,
    ];
    for (id, state) in ids.iter().zip(ends) {
        h.wait_state(*id, state).await;
    }
    // The leader's next sample sees every job finished.
    eventually(&format!("queue depth gauges on {}", H::pair()), || async {
        let finished = (
            m.gauge(QUEUE, "completed"),
            m.gauge(QUEUE, "discarded"),
            m.gauge(QUEUE, "cancelled"),
            m.gauge(QUEUE, "available"),
        );
        (finished == (4.0, 1.0, 1.0, 0.0)).then_some(())
    })
    .await;
    worker.stop().await.unwrap();

    let (note, flaky, gives_up) = (Note::NAME, Flaky::NAME, GivesUp::NAME);
    let c = |name, task| m.counter(name, QUEUE, task);
    assert_eq!(c(names::ENQUEUED, note), 4, "3 committed, 1 rolled back");
    assert_eq!(c(names::ENQUEUED, flaky), 2);
    assert_eq!(c(names::ENQUEUED, gives_up), 1);
    // note: 3 attempts that complete.
    assert_eq!(c(names::STARTED, note), 3);
    assert_eq!(c(names::COMPLETED, note), 3);
    assert_eq!(c(names::FAILED, note), 0);
    // flaky: 1 + 1 failures retried, 1 completion, 1 discard after the last attempt.
    assert_eq!(c(names::STARTED, flaky), 4);
    assert_eq!(c(names::FAILED, flaky), 3);
    assert_eq!(c(names::RETRIED, flaky), 2);
    assert_eq!(c(names::DISCARDED, flaky), 1);
    assert_eq!(c(names::COMPLETED, flaky), 1);
    // gives_up: cancelled by its task, not a failure.
    assert_eq!(c(names::STARTED, gives_up), 1);
    assert_eq!(c(names::CANCELLED, gives_up), 1);
    assert_eq!(c(names::FAILED, gives_up), 0);
    // One run time and one pickup latency per attempt.
    for (task, attempts) in [(note, 3), (flaky, 4), (gives_up, 1)] {
        assert_eq!(
            m.samples(names::RUN_SECONDS, QUEUE, task),
            attempts,
            "{task}"
        );
        assert_eq!(
            m.samples(names::PICKUP_SECONDS, QUEUE, task),
            attempts,
            "{task}"
        );
    }
    h.cleanup().await;
}
