//! Global concurrency: at most N jobs of a queue run at once across every worker.

use std::time::Duration;

use crate::conformance::enqueue::job;
use crate::conformance::harness::{Harness, setup, worker};
use crate::conformance::probe::{runs, start};
use crate::conformance::tasks::{Sleep, Slow};

/// Most runs of `key` in flight at once, from their start and end records.
fn most_at_once(key: &str) -> usize {
    let mut events: Vec<(std::time::Instant, i32)> = runs(key)
        .iter()
        .map(|r| (r.at, 1))
        .chain(runs(&format!("{key}:done")).iter().map(|r| (r.at, -1)))
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
