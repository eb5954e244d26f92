use std::time::Duration;

use serde::{Deserialize, Serialize};
use tranq::{Task, TaskContext, TaskError};

#[derive(Default, Serialize, Deserialize)]
struct Report {
    team: String,
}

/// Every weekday at nine, Berlin time, with `Report::default()`.
#[tranq::task(cron = "0 0 9 * * Mon-Fri", timezone = "Europe/Berlin")]
async fn weekly_report(ctx: TaskContext, args: Report) -> Result<(), TaskError> {
    let _ = (ctx, args.team);
    Ok(())
}

/// No cron: a schedule is given to the worker instead.
#[tranq::task]
async fn cleanup(ctx: TaskContext, args: u32) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {
    assert_eq!(
        WeeklyReport::CRON,
        Some(("0 0 9 * * Mon-Fri", "Europe/Berlin"))
    );
    assert!(WeeklyReport::cron_args().is_some());
    assert_eq!(Cleanup::CRON, None);
    let _every_minute = Cleanup::every(Duration::from_secs(60));
    assert!(Cleanup::cron("0 * * * * *").is_ok());
    assert!(Cleanup::cron("every minute").is_err());
}
