use tranq::{TaskContext, TaskError};

#[tranq::task(queue)]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
