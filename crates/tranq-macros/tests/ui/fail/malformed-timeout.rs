use tranq::{TaskContext, TaskError};

#[tranq::task(timeout = "30 parsecs")]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

#[tranq::task(timeout = 30)]
async fn send_reminder(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
