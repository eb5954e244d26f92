use serde::{Deserialize, Serialize};
use tranq::{TaskContext, TaskError};

#[derive(Serialize, Deserialize)]
struct Invoice {
    order_id: u64,
}

// `unique` takes a list of field names.
#[tranq::task(unique = "order_id")]
async fn not_a_list(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    let _ = (ctx, args.order_id);
    Ok(())
}

// A field the arguments do not have: reported at the name.
#[tranq::task(unique = [order_id, customer])]
async fn no_such_field(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    let _ = (ctx, args.order_id);
    Ok(())
}

fn main() {}
