//! How long a failed job waits before its next attempt.

use std::time::Duration;

/// Exponential backoff with jitter: `base * 2^(attempt-1)`, capped at `max`, then moved by up to
/// ±`jitter` of itself at random so that failures do not retry in lockstep.
///
/// ```
/// use std::time::Duration;
/// use tranq_core::Backoff;
///
/// let b = Backoff::exponential(Duration::from_secs(1), Duration::from_secs(60)).jitter(0.0);
/// assert_eq!(b.delay(1), Duration::from_secs(1));
/// assert_eq!(b.delay(3), Duration::from_secs(4));
/// assert_eq!(b.delay(30), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    jitter: f64,
}

impl Backoff {
    /// Doubling from `base`, never more than `max`, with ±10% jitter.
    pub fn exponential(base: Duration, max: Duration) -> Self {
        Backoff {
            base,
            max,
            jitter: 0.1,
        }
    }
    /// Sets the jitter fraction (0.0 to 1.0).
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = fraction.clamp(0.0, 1.0);
        self
    }
    /// The wait after failed attempt number `attempt` (1-based), at most
    /// [`MAX_DELAY`](crate::MAX_DELAY).
    pub fn delay(&self, attempt: u32) -> Duration {
        crate::delay::clamp(self.unclamped(attempt))
    }

    fn unclamped(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        let raw = self.base.saturating_mul(1u32 << doublings.min(31));
        let capped = raw.min(self.max);
        if self.jitter == 0.0 {
            return capped;
        }
        let spread = (fastrand::f64() * 2.0 - 1.0) * self.jitter;
        capped.mul_f64((1.0 + spread).max(0.0))
    }
}

impl Default for Backoff {
    /// 1 s doubling up to 1 h, ±10% jitter.
    fn default() -> Self {
        Backoff::exponential(Duration::from_secs(1), Duration::from_secs(3600))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_bounds() {
        let b =
            Backoff::exponential(Duration::from_millis(100), Duration::from_secs(10)).jitter(0.5);
        for attempt in 1..40 {
            let d = b.delay(attempt);
            assert!(d <= Duration::from_secs(15), "{d:?}");
        }
        let d = b.delay(1);
        assert!(
            d >= Duration::from_millis(50) && d <= Duration::from_millis(150),
            "{d:?}"
        );
    }
}
