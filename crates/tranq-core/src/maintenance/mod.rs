//! Maintenance services that run beside the fetchers: one file each, orchestrated here.

mod rescuer;
mod unknown_tasks;

pub use rescuer::RESCUE_BATCH;
pub(crate) use unknown_tasks::report as report_unknown_tasks;

use std::sync::Arc;
use std::time::Duration;

use crate::worker::Shared;

/// How often jobs of unknown tasks are reported.
pub const UNKNOWN_TASK_REPORT_INTERVAL: Duration = Duration::from_secs(60);

pub(crate) async fn run(shared: Arc<Shared>) {
    let mut rescue = tokio::time::interval(shared.config.rescue_interval);
    let mut report = tokio::time::interval(UNKNOWN_TASK_REPORT_INTERVAL);
    rescue.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    report.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    report.tick().await; // the first report ran at start
    loop {
        tokio::select! {
            _ = rescue.tick() => rescuer::run_once(&shared).await,
            _ = report.tick() => {
                if let Err(error) = report_unknown_tasks(&shared).await {
                    tracing::warn!(%error, "tranq: unknown-task report failed");
                }
            }
            _ = shared.stopped.cancelled() => return,
        }
    }
}
