use tranq::{TaskContext, TaskError};

#[tranq::task]
async fn send_invoice(ctx: TaskContext, args: u64, retries: u32, verbose: bool) -> Result<(), TaskError> {
    let _ = (ctx, args, retries, verbose);
    Ok(())
}

fn main() {}
