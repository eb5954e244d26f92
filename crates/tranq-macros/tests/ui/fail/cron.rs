use serde::{Deserialize, Serialize};
use tranq::{TaskContext, TaskError};

// Not a cron expression: reported at the literal.
#[tranq::task(cron = "*/5 * * *")]
async fn five_fields(ctx: TaskContext, args: u32) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

// A time zone without a schedule.
#[tranq::task(timezone = "Europe/Berlin")]
async fn zone_alone(ctx: TaskContext, args: u32) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct NoDefault {
    id: u64,
}

// A cron job is enqueued with `Default::default()` arguments.
#[tranq::task(cron = "0 * * * * *")]
async fn needs_default(ctx: TaskContext, args: NoDefault) -> Result<(), TaskError> {
    let _ = (ctx, args.id);
    Ok(())
}

fn main() {}
