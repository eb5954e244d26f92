//! The adaptive poll of a queue whose database pushes nothing on commit (MariaDB, SQLite, sync
//! Diesel). After a claim comes back short, the fetcher asks `job_due_probe` (a read that locks
//! nothing) at gaps that grow with how long the queue has been without work, a tenth of it,
//! from 1 ms up to the poll interval: a queue that had work a moment ago is likely to get more
//! soon and is asked often; one idle for long is asked at the poll interval, as before. The
//! delay this adds to a job enqueued by another process is about a twentieth of the time the
//! queue was idle before it (half a gap), and an idle period costs some 60 probes from its first
//! millisecond up to the 100 ms default poll, then one per poll.
//!
//! A job already due at the first probe after a short claim was not missing from the queue: the
//! claim lost it to other workers' claims. Racing them again at once only adds contention (eight
//! worker processes on MariaDB drained 20,000 jobs at half the rate), so after such a lost race
//! the fetcher claims at the poll interval, as it did before this poll existed.

use std::time::{Duration, Instant};

/// The shortest gap between two probes (the runtime timer's resolution).
const MIN_GAP: Duration = Duration::from_millis(1);
/// The gap is the time the queue has been without work divided by this.
const IDLE_DIVISOR: u32 = 10;

/// One fetcher's adaptive poll.
#[derive(Debug)]
pub(crate) struct IdleProbe {
    /// When a claim last found work.
    had_work_at: Instant,
    /// Whether the queue was probed since its last claim.
    probed_since_claim: bool,
    /// The last claim came back short although a job was due at the next probe.
    lost_race: bool,
}

impl IdleProbe {
    pub(crate) fn new() -> Self {
        IdleProbe {
            had_work_at: Instant::now(),
            probed_since_claim: false,
            lost_race: false,
        }
    }

    /// Records a claim that took `taken` jobs.
    pub(crate) fn claimed(&mut self, taken: usize) {
        if taken > 0 {
            self.had_work_at = Instant::now();
        }
        self.probed_since_claim = false;
        self.lost_race = false;
    }

    /// Records what a probe found; true when it is time to claim. A job due at the first probe
    /// after a short claim is a lost race: the claim waits for the poll interval instead.
    pub(crate) fn probed(&mut self, due: bool) -> bool {
        self.lost_race = due && !self.probed_since_claim;
        self.probed_since_claim = true;
        due && !self.lost_race
    }

    /// How long to wait before the next probe; the poll interval once the gap would reach it,
    /// and after a lost race.
    pub(crate) fn gap(&self, poll: Duration) -> Duration {
        if self.lost_race {
            return poll;
        }
        gap(self.had_work_at.elapsed(), poll)
    }
}

fn gap(idle: Duration, poll: Duration) -> Duration {
    (idle / IDLE_DIVISOR).max(MIN_GAP).min(poll)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLL: Duration = Duration::from_millis(100);
    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_queue_idle_for_a_moment_is_asked_every_millisecond() {
        assert_eq!(gap(Duration::ZERO, POLL), MIN_GAP);
        assert_eq!(gap(9 * MS, POLL), MIN_GAP);
    }

    #[test]
    fn the_gap_is_a_tenth_of_the_idle_time_up_to_the_poll_interval() {
        assert_eq!(gap(50 * MS, POLL), 5 * MS);
        assert_eq!(gap(999 * MS, POLL), Duration::from_micros(99_900));
        assert_eq!(gap(Duration::from_secs(1), POLL), POLL);
        assert_eq!(gap(Duration::from_secs(3600), POLL), POLL);
    }

    #[test]
    fn a_poll_shorter_than_the_minimum_gap_wins() {
        let poll = Duration::from_micros(500);
        assert_eq!(gap(Duration::ZERO, poll), poll);
    }

    #[test]
    fn an_idle_period_costs_some_sixty_probes_before_the_poll() {
        let (mut idle, mut probes) = (Duration::ZERO, 0);
        while gap(idle, POLL) < POLL {
            idle += gap(idle, POLL);
            probes += 1;
        }
        assert!(
            (50..=70).contains(&probes),
            "{probes} probes before the poll"
        );
    }

    #[test]
    fn a_job_due_at_the_first_probe_after_a_short_claim_waits_for_the_poll() {
        let mut probe = IdleProbe::new();
        probe.claimed(3);
        assert_eq!(probe.gap(POLL), MIN_GAP);
        assert!(!probe.probed(true), "a lost race does not claim at once");
        assert_eq!(probe.gap(POLL), POLL);
    }

    #[test]
    fn a_job_that_comes_after_an_empty_probe_is_claimed_at_once() {
        let mut probe = IdleProbe::new();
        probe.claimed(1);
        assert!(!probe.probed(false));
        assert_eq!(probe.gap(POLL), MIN_GAP);
        assert!(probe.probed(true));
        probe.claimed(1);
        assert_eq!(probe.gap(POLL), MIN_GAP, "the next claim starts afresh");
    }
}
