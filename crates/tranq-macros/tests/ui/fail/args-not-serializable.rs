use tranq::{TaskContext, TaskError};

pub struct Invoice {
    pub order_id: i64,
}

#[tranq::task]
async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    let _ = (ctx, args.order_id);
    Ok(())
}

fn main() {}
