#![allow(non_snake_case)]

use tranq::{TaskContext, TaskError};

#[tranq::task]
async fn SendInvoice(ctx: TaskContext, args: u64) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
