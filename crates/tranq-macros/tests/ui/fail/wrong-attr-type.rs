use tranq::{TaskContext, TaskError};

#[tranq::task(max_attempts = "5")]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

#[tranq::task(queue = billing, priority = high)]
async fn send_reminder(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
