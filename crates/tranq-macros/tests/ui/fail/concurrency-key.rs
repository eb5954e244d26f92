use serde::{Deserialize, Serialize};
use tranq::{TaskContext, TaskError};

#[derive(Serialize, Deserialize)]
struct Hook {
    customer_id: u64,
}

// `concurrency_key` takes a list of field names.
#[tranq::task(concurrency_key = customer_id)]
async fn not_a_list(ctx: TaskContext, args: Hook) -> Result<(), TaskError> {
    let _ = (ctx, args.customer_id);
    Ok(())
}

// A field the arguments do not have: reported at the name.
#[tranq::task(concurrency_key = [tenant])]
async fn no_such_field(ctx: TaskContext, args: Hook) -> Result<(), TaskError> {
    let _ = (ctx, args.customer_id);
    Ok(())
}

fn main() {}
