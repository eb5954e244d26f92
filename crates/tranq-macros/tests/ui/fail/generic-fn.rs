use serde::{Serialize, de::DeserializeOwned};
use tranq::{TaskContext, TaskError};

#[tranq::task]
async fn send_invoice<A: Serialize + DeserializeOwned>(ctx: TaskContext, args: A) -> Result<(), TaskError> {
    let _ = (ctx, args);
    Ok(())
}

fn main() {}
