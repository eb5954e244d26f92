//! Periodic tasks: jobs the leader enqueues on a [`Schedule`], declared on the task
//! (`#[task(cron = "...")]`) or on the worker (`WorkerBuilder::periodic`).
//!
//! Only the worker holding the leader lease enqueues them, and each tick is a unique job (key
//! `periodic:<hash of schedule, task and arguments>@<tick in ms>`, held in every state), so a tick is
//! enqueued once even when two workers both believe they lead for a moment. Ticks missed while
//! no worker led (downtime, a leader change) are not made up for: a new leader starts with the
//! next tick.

mod schedule;
pub(crate) mod scheduler;

pub use schedule::Schedule;

use std::marker::PhantomData;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Result;
use crate::new_job::{JobBuilder, NewJob};
use crate::task::Task;

/// A task on a schedule, for [`WorkerBuilder::periodic`](crate::WorkerBuilder::periodic):
/// `SendReport::every(Duration::from_secs(300))`.
#[derive(Debug, Clone)]
#[must_use = "give it to `WorkerBuilder::periodic` with the arguments"]
pub struct Periodic<T> {
    schedule: Schedule,
    _task: PhantomData<fn() -> T>,
}

impl<T: Task> Periodic<T> {
    /// Task `T` on `schedule`.
    pub fn new(schedule: Schedule) -> Self {
        Periodic {
            schedule,
            _task: PhantomData,
        }
    }

    /// The job enqueued at each tick, with these arguments and the task's defaults.
    pub(crate) fn job(self, args: &T::Args) -> Result<PeriodicJob> {
        let template = JobBuilder::<T>::new().build(args)?;
        Ok(PeriodicJob::new(self.schedule, template))
    }
}

/// The job `#[task(cron = "...", timezone = "...")]` declares on task `T`: the task's default
/// arguments on its cron schedule.
pub(crate) fn declared<T: Task>() -> Option<Result<PeriodicJob>> {
    let (expr, timezone) = T::CRON?;
    let args = T::cron_args()?;
    Some(
        Schedule::cron_in(expr, timezone)
            .and_then(|schedule| Periodic::<T>::new(schedule).job(&args)),
    )
}

/// One periodic job as the scheduler keeps it: its schedule and the job it enqueues.
#[derive(Debug, Clone)]
pub(crate) struct PeriodicJob {
    schedule: Schedule,
    template: NewJob,
    /// The hash of schedule, task and arguments: the stable part of each tick's unique key.
    label: String,
}

impl PeriodicJob {
    pub(crate) fn new(schedule: Schedule, template: NewJob) -> Self {
        let label = format!(
            "{:016x}",
            fnv1a(&[
                schedule.describe().as_bytes(),
                template.task().as_bytes(),
                template.args_json().as_bytes(),
            ])
        );
        PeriodicJob {
            schedule,
            template,
            label,
        }
    }

    pub(crate) fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    pub(crate) fn task(&self) -> &'static str {
        self.template.task()
    }

    /// The job of the tick at `at`: runnable then, unique for this tick in every state.
    pub(crate) fn tick(&self, at: SystemTime) -> NewJob {
        let ms = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        self.template
            .clone()
            .for_tick(at, format!("periodic:{}@{ms}", self.label))
    }
}

/// FNV-1a, 64 bits: a hash that is the same in every build, for keys that workers of different
/// versions must agree on.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_tick_is_a_job_unique_in_every_state_and_runnable_at_its_time() {
        let periodic = PeriodicJob::new(
            Schedule::every(Duration::from_secs(60)),
            NewJob::for_test("{\"report\":1}"),
        );
        let at = UNIX_EPOCH + Duration::from_secs(120);
        let job = periodic.tick(at);
        let key = job.unique_key().expect("a key").to_owned();
        assert!(key.starts_with("periodic:") && key.len() < 64, "{key}");
        assert!(key.ends_with("@120000"), "{key}");
        assert_eq!(periodic.tick(at).unique_key(), Some(key.as_str()), "stable");
        let other_args = PeriodicJob::new(
            Schedule::every(Duration::from_secs(60)),
            NewJob::for_test("2"),
        );
        assert_ne!(other_args.tick(at).unique_key(), Some(key.as_str()));
    }
}
