use tranq::{TaskContext, TaskError};

#[tranq::task]
async fn send_invoice(ctx: TaskContext) -> Result<(), TaskError> {
    let _ = ctx;
    Ok(())
}

fn main() {}
