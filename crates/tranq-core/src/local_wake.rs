//! Process-local wake-ups. An enqueue run in this process tells the idle fetchers of this
//! process's workers that one of their queues may have work as soon as the enqueuing
//! transaction commits. MariaDB and SQLite push nothing on commit (PostgreSQL's `NOTIFY` does):
//! without this an idle worker would find the job only at its next probe of the adaptive poll
//! (`worker/idle_probe.rs`), up to the poll interval after the queue last had work.
//!
//! The hint comes before the commit (tranq does not see the caller's commit), so a woken fetcher
//! asks the database at short, growing intervals ([`Probing`]) whether a job is due, with a
//! read that locks nothing, and claims when one is. An enqueue in another process is found by
//! the adaptive poll. Polling stays the correctness path: a hint only saves latency.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use crate::new_job::NewJob;

/// The fetchers listening, by queue name.
static LISTENERS: Mutex<Vec<(String, Weak<Notify>)>> = Mutex::new(Vec::new());

fn listeners() -> MutexGuard<'static, Vec<(String, Weak<Notify>)>> {
    // Single pushes and retains only: a poisoned lock is still consistent.
    LISTENERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers a fetcher of `queue`: the returned `Notify` is poked on every local enqueue of a
/// job due at once into `queue`. Dropping it unregisters.
pub(crate) fn listen(queue: &str) -> Arc<Notify> {
    let notify = Arc::new(Notify::new());
    let mut listeners = listeners();
    listeners.retain(|(_, weak)| weak.strong_count() > 0);
    listeners.push((queue.to_owned(), Arc::downgrade(&notify)));
    notify
}

/// Called by every enqueue before its statement runs: pokes the local fetchers of the queues of
/// the jobs that are due at once.
pub(crate) fn enqueuing(jobs: &[NewJob]) {
    let mut queues: Vec<&str> = Vec::new();
    for job in jobs {
        if !queues.contains(&job.queue()) && job.due_at_once() {
            queues.push(job.queue());
        }
    }
    if queues.is_empty() {
        return;
    }
    let listeners = listeners();
    for (queue, weak) in listeners.iter() {
        if queues.contains(&queue.as_str())
            && let Some(notify) = weak.upgrade()
        {
            notify.notify_one();
        }
    }
}

/// When a fetcher woken by a local enqueue probes for the job. The commit usually follows the
/// enqueue within a millisecond, below the runtime timer's 1 ms resolution: so at first the
/// probes run back to back (each one a round trip), then with sleeps doubling from 1 ms up to
/// `MAX_PROBE_GAP` (or the poll interval if shorter), for `PROBE_WINDOW` in all.
#[derive(Debug, Clone)]
pub(crate) struct Probing {
    sleep: Duration,
    cap: Duration,
}

/// How long probes run back to back after a local enqueue.
pub(crate) const BACK_TO_BACK: Duration = Duration::from_millis(2);
/// The longest sleep between two probes.
pub(crate) const MAX_PROBE_GAP: Duration = Duration::from_millis(5);
/// How long a fetcher probes after a local enqueue: a transaction that commits later than this
/// after its enqueue is found by the poll.
pub(crate) const PROBE_WINDOW: Duration = Duration::from_secs(1);

impl Probing {
    pub(crate) fn new(poll: Duration) -> Self {
        let cap = MAX_PROBE_GAP.min(poll);
        Probing {
            sleep: Duration::from_millis(1).min(cap),
            cap,
        }
    }

    /// How long to wait before the next probe, `elapsed` after the wake-up; `None` once the
    /// window has passed.
    pub(crate) fn wait(&mut self, elapsed: Duration) -> Option<Duration> {
        if elapsed >= PROBE_WINDOW {
            return None;
        }
        if elapsed < BACK_TO_BACK {
            return Some(Duration::ZERO);
        }
        let wait = self.sleep;
        self.sleep = (self.sleep * 2).min(self.cap);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_run_back_to_back_then_sleep_doubling_to_the_cap_until_the_window_ends() {
        let ms = Duration::from_millis;
        let mut probing = Probing::new(ms(100));
        assert_eq!(probing.wait(ms(0)), Some(Duration::ZERO));
        assert_eq!(probing.wait(ms(1)), Some(Duration::ZERO));
        assert_eq!(probing.wait(ms(2)), Some(ms(1)));
        assert_eq!(probing.wait(ms(3)), Some(ms(2)));
        assert_eq!(probing.wait(ms(5)), Some(ms(4)));
        assert_eq!(probing.wait(ms(9)), Some(MAX_PROBE_GAP));
        assert_eq!(probing.wait(ms(14)), Some(MAX_PROBE_GAP));
        assert_eq!(probing.wait(PROBE_WINDOW), None);
    }

    #[test]
    fn a_short_poll_caps_the_sleeps() {
        let ms = Duration::from_millis;
        let mut probing = Probing::new(ms(2));
        let sleeps: Vec<_> = (2..50).filter_map(|t| probing.wait(ms(t))).collect();
        assert!(sleeps.iter().all(|s| *s <= ms(2)), "{sleeps:?}");
    }

    /// Whether `notify` is poked within 20 ms (a stored permit counts).
    async fn poked(notify: &Notify) -> bool {
        tokio::time::timeout(Duration::from_millis(20), notify.notified())
            .await
            .is_ok()
    }

    #[tokio::test]
    async fn an_enqueue_pokes_the_listeners_of_its_queue_only() {
        let mail = listen("local-wake-test-mail");
        let other = listen("local-wake-test-other");
        let job = NewJob::for_test("{}").with_queue("local-wake-test-mail");
        enqueuing(std::slice::from_ref(&job));
        assert!(poked(&mail).await, "the mail queue's listener was poked");
        assert!(!poked(&other).await, "another queue's listener was not");
    }

    #[tokio::test]
    async fn a_job_scheduled_ahead_pokes_nobody() {
        let queue = listen("local-wake-test-later");
        let job = NewJob::for_test("{}")
            .with_queue("local-wake-test-later")
            .with_delay(Duration::from_secs(60));
        enqueuing(std::slice::from_ref(&job));
        assert!(!poked(&queue).await);
    }
}
