use tranq::{TaskContext, TaskError};

// Values of the right type but out of range: each reported at its literal, all at once.
#[tranq::task(max_attempts = 0, priority = 40000, queue = "bill ing", timeout = "0s", name = "")]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
