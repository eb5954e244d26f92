use serde::{Deserialize, Serialize};
use tranq::{Task, TaskContext, TaskError};

#[derive(Serialize, Deserialize)]
struct Hook {
    customer_id: u64,
    url: String,
}

/// A per-key concurrency limit counts each customer's webhooks together.
#[tranq::task(concurrency_key = [customer_id])]
async fn deliver(ctx: TaskContext, args: Hook) -> Result<(), TaskError> {
    let _ = (ctx, args.url);
    Ok(())
}

fn main() {
    let args = Hook {
        customer_id: 7,
        url: "https://example.com".into(),
    };
    assert_eq!(Deliver::concurrency_key(&args).as_deref(), Some("customer_id=7"));
    let job = Deliver::builder().build(&args).expect("valid");
    assert_eq!(job.concurrency_key(), Some("customer_id=7"));
    let job = Deliver::builder()
        .concurrency_key("acme")
        .build(&args)
        .expect("valid");
    assert_eq!(job.concurrency_key(), Some("acme"));
}
