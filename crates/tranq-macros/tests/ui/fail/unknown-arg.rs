use tranq::{TaskContext, TaskError};

#[tranq::task(queue = "billing", retries = 3)]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {
    // The fn is fine, so the handle is generated with default options: no cascade here.
    use tranq::Task as _;
    let _ = SendInvoice::NAME;
}
