use tranq::{TaskContext, TaskError};

#[tranq::task(queue = "billing", max_attempts = 5, queue = "mail")]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
