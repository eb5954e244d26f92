//! Limits every worker's claim enforces together: global and per-key concurrency, rate.

use std::time::{Duration, Instant};

use crate::conformance::enqueue::job;
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{runs, start};
use crate::conformance::tasks::{Sleep, Slow};

/// Most runs of `key` in flight at once, from their start and end records.
fn most_at_once(key: &str) -> usize {
    most_at_once_of(&[key])
}

/// Most runs of any of `keys` in flight at once.
fn most_at_once_of(keys: &[&str]) -> usize {
    let mut events: Vec<(std::time::Instant, i32)> = keys
        .iter()
        .flat_map(|key| {
            runs(key)
                .iter()
                .map(|r| (r.at, 1))
                .chain(runs(&format!("{key}:done")).iter().map(|r| (r.at, -1)))
                .collect::<Vec<_>>()
        })
        .collect();
    events.sort_by_key(|&(at, delta)| (at, delta));
    let (mut now, mut most) = (0, 0);
    for (_, delta) in events {
        now += delta;
        most = most.max(now);
    }
    usize::try_from(most).unwrap_or(0)
}

pub async fn a_global_concurrency_limit_holds_across_workers_and_is_reached<H: Harness>() {
    let h: H = setup("global_limit").await;
    let k = format!("global_limit/{}", H::pair());
    let jobs = (0..12)
        .map(|_| {
            job::<Slow, H>()
                .build(&Sleep {
                    key: k.clone(),
                    ms: 300,
                })
                .unwrap()
        })
        .collect();
    let ids = h.commit(jobs).await;
    // Two workers of 4 slots each: 8 could run at once; the limit is 3.
    let limited = || worker(&h, 1).queue("slow", 4).global_concurrency("slow", 3);
    let (a, b) = (start(limited()), start(limited()));
    for id in &ids {
        h.wait_state(*id, tranq::JobState::Completed).await;
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
    let most = most_at_once(&k);
    eprintln!(
        "{}: at most {most} of 12 jobs at once under a limit of 3",
        H::pair()
    );
    assert_eq!(runs(&format!("{k}:done")).len(), 12);
    assert!(most <= 3, "{most} jobs ran at once under a limit of 3");
    assert_eq!(most, 3, "the limit is reached");
    tokio::time::sleep(Duration::from_millis(10)).await;
    h.cleanup().await;
}

pub async fn a_per_key_limit_holds_across_workers_while_other_keys_run<H: Harness>() {
    let h: H = setup("key_limit").await;
    let k = format!("key_limit/{}", H::pair());
    // Six jobs for customer a, six for b, four without a key.
    let mut jobs = Vec::new();
    for (customer, n) in [(Some("a"), 6), (Some("b"), 6), (None, 4)] {
        let probe = format!("{k}/{}", customer.unwrap_or("none"));
        for _ in 0..n {
            let mut builder = job::<Slow, H>();
            if let Some(customer) = customer {
                builder = builder.concurrency_key(customer);
            }
            let args = Sleep {
                key: probe.clone(),
                ms: 300,
            };
            jobs.push(builder.build(&args).unwrap());
        }
    }
    let ids = h.commit(jobs).await;
    // Two workers of 4 slots each: 8 could run at once; 2 per customer.
    // A poll far longer than the test: a worker held back by a limit asks again on its own.
    let limited = || {
        worker(&h, 1)
            .queue("slow", 4)
            .concurrency_per_key("slow", 2)
            .poll_interval(Duration::from_secs(30))
    };
    let (a, b) = (start(limited()), start(limited()));
    for id in &ids {
        h.wait_state(*id, tranq::JobState::Completed).await;
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
    let (key_a, key_b, none) = (format!("{k}/a"), format!("{k}/b"), format!("{k}/none"));
    let (most_a, most_b) = (most_at_once(&key_a), most_at_once(&key_b));
    let most = most_at_once_of(&[&key_a, &key_b, &none]);
    eprintln!(
        "{}: per key at most {most_a} (a) and {most_b} (b) at once under a limit of 2; \
         {most} of 16 at once in all",
        H::pair()
    );
    assert!(
        most_a <= 2 && most_b <= 2,
        "a: {most_a}, b: {most_b} under a limit of 2"
    );
    assert_eq!((most_a, most_b), (2, 2), "each key reaches its limit");
    assert!(
        most > 4,
        "jobs without a key, or of the other key, ran beside: {most}"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    h.cleanup().await;
}

pub async fn a_rate_limit_holds_across_workers_and_is_reached<H: Harness>() {
    let h: H = setup("rate_limit").await;
    let k = format!("rate_limit/{}", H::pair());
    let jobs = (0..12)
        .map(|_| {
            job::<Slow, H>()
                .build(&Sleep {
                    key: k.clone(),
                    ms: 5,
                })
                .unwrap()
        })
        .collect();
    let ids = h.commit(jobs).await;
    // Two workers of 4 slots each; at most 4 starts in any 1 s window.
    let period = Duration::from_secs(1);
    let limited = || {
        worker(&h, 1)
            .queue("slow", 4)
            .rate_limit("slow", 4, period)
            .poll_interval(Duration::from_secs(30))
    };
    let (a, b) = (start(limited()), start(limited()));
    for id in &ids {
        h.wait_state(*id, tranq::JobState::Completed).await;
    }
    a.stop().await.unwrap();
    b.stop().await.unwrap();
    let mut starts: Vec<Instant> = runs(&k).iter().map(|r| r.at).collect();
    starts.sort();
    assert_eq!(starts.len(), 12);
    // The limit counts claims, on the database's clock; a handler starts a little after its
    // claim, so starts four apart are at least the period apart less that delay.
    let closest = starts
        .windows(5)
        .map(|w| w[4] - w[0])
        .min()
        .unwrap_or_default();
    let span = starts[11] - starts[0];
    eprintln!(
        "{}: 12 jobs at 4 per second: the 5th start after any start came {closest:?} later at \
         the soonest; first to last start {span:?}",
        H::pair()
    );
    assert!(
        closest >= period - Duration::from_millis(50),
        "5 starts within {closest:?} under a limit of 4 per {period:?}"
    );
    // Reached: three windows' worth take a little over two periods, not much more.
    assert!(
        span < period * 2 + Duration::from_millis(900),
        "12 starts took {span:?}: the limit of 4 per second was not reached"
    );
    tokio::time::sleep(Duration::from_millis(10)).await;
    h.cleanup().await;
}
