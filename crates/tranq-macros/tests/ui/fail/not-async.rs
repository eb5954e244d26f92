use tranq::{TaskContext, TaskError};

#[tranq::task]
pub fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {
    // The handle still exists, so this line adds no error of its own.
    let _ = SendInvoice;
}
