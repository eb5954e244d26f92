//! When a periodic task is due: every fixed period (aligned to the Unix epoch, so that every
//! worker computes the same ticks) or by a cron expression in a time zone.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::{Error, Result};

/// When a periodic task runs: [`Schedule::every`] or [`Schedule::cron`].
///
/// ```
/// use std::time::Duration;
/// use tranq_core::Schedule;
///
/// let five_minutes = Schedule::every(Duration::from_secs(300));
/// let weekdays_at_nine = Schedule::cron_in("0 0 9 * * Mon-Fri", "Europe/Berlin")?;
/// assert!(Schedule::cron("not a cron expression").is_err());
/// # let _ = (five_minutes, weekdays_at_nine);
/// # Ok::<(), tranq_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Schedule(Kind);

#[derive(Debug, Clone)]
enum Kind {
    Every(Duration),
    Cron {
        expr: String,
        schedule: Box<cron::Schedule>,
        tz: Tz,
    },
}

impl Schedule {
    /// Every `period` (at least a millisecond), at multiples of it since the Unix epoch: every
    /// 5 minutes means at :00, :05, :10, ...
    pub fn every(period: Duration) -> Schedule {
        Schedule(Kind::Every(period.max(Duration::from_millis(1))))
    }

    /// A cron expression in UTC, with seconds: `sec min hour day-of-month month day-of-week
    /// [year]`, e.g. `"0 */5 * * * *"` (every five minutes).
    pub fn cron(expr: &str) -> Result<Schedule> {
        Schedule::cron_in(expr, "UTC")
    }

    /// A cron expression (see [`cron`](Self::cron)) in an IANA time zone, e.g.
    /// `"Europe/Berlin"`.
    pub fn cron_in(expr: &str, timezone: &str) -> Result<Schedule> {
        // The parser's own error only points at the input: say what is expected instead.
        let schedule = cron::Schedule::from_str(expr).map_err(|_| Error::InvalidSchedule {
            schedule: expr.to_owned(),
            reason: "expected six or seven fields with seconds first (sec min hour day-of-month \
                     month day-of-week [year]), e.g. \"0 */5 * * * *\""
                .to_owned(),
        })?;
        let tz = Tz::from_str(timezone).map_err(|e| Error::InvalidSchedule {
            schedule: expr.to_owned(),
            reason: format!(
                "unknown time zone {timezone:?} ({e}); use an IANA name such as \"Europe/Berlin\""
            ),
        })?;
        Ok(Schedule(Kind::Cron {
            expr: expr.to_owned(),
            schedule: Box::new(schedule),
            tz,
        }))
    }

    /// How it is written in logs and in the jobs' unique keys.
    pub fn describe(&self) -> String {
        match &self.0 {
            Kind::Every(period) => format!("every {}ms", period.as_millis()),
            Kind::Cron { expr, tz, .. } => format!("cron {expr} {tz}"),
        }
    }

    /// The first tick strictly after `t`, if the schedule has one.
    pub(crate) fn next_after(&self, t: SystemTime) -> Option<SystemTime> {
        match &self.0 {
            Kind::Every(period) => {
                let period = period.as_millis().max(1);
                let since = t.duration_since(UNIX_EPOCH).ok()?.as_millis();
                let next = (since / period + 1).checked_mul(period)?;
                let next = u64::try_from(next).ok()?;
                UNIX_EPOCH.checked_add(Duration::from_millis(next))
            }
            Kind::Cron { schedule, tz, .. } => {
                let at: DateTime<Utc> = DateTime::<Utc>::from(t);
                let local = tz.from_utc_datetime(&at.naive_utc());
                schedule
                    .after(&local)
                    .next()
                    .map(|next| SystemTime::from(next.with_timezone(&Utc)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn every_ticks_at_multiples_of_its_period() {
        let s = Schedule::every(Duration::from_secs(300));
        assert_eq!(s.next_after(at(1_000)), Some(at(1_200)));
        assert_eq!(s.next_after(at(1_200)), Some(at(1_500)), "strictly after");
    }

    #[test]
    fn cron_ticks_in_its_time_zone() {
        // 09:00 in Berlin is 08:00 UTC in winter (2026-12-01).
        let s = Schedule::cron_in("0 0 9 * * *", "Europe/Berlin").expect("valid");
        let midnight_utc = at(1_796_083_200); // 2026-12-01T00:00:00Z
        assert_eq!(
            s.next_after(midnight_utc),
            Some(at(1_796_083_200 + 8 * 3600))
        );
        let every_5_min = Schedule::cron("0 */5 * * * *").expect("valid");
        assert_eq!(
            every_5_min.next_after(at(1_796_083_201)),
            Some(at(1_796_083_500))
        );
    }

    #[test]
    fn bad_expressions_and_zones_say_what_is_wrong() {
        let bad = Schedule::cron("*/5 * * *").expect_err("four fields");
        assert!(bad.to_string().contains("seconds first"), "{bad}");
        let zone = Schedule::cron_in("0 * * * * *", "Mars/Olympus").expect_err("no such zone");
        assert!(zone.to_string().contains("Mars/Olympus"), "{zone}");
    }
}
