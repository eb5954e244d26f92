use std::rc::Rc;

use tranq::{TaskContext, TaskError};

#[tranq::task]
async fn send_invoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let shared = Rc::new(args);
    ctx.shutdown_requested().await;
    let _ = shared;
    Ok(())
}

fn main() {}
