use serde::{Deserialize, Serialize};
use tranq::{Task, TaskContext, TaskError};

#[derive(Serialize, Deserialize)]
struct Invoice {
    order_id: u64,
    customer: String,
    amount_cents: i64,
}

/// At most one live job per order and customer.
#[tranq::task(unique = [order_id, customer])]
async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    let _ = (ctx, args.amount_cents);
    Ok(())
}

fn main() {
    let args = Invoice {
        order_id: 42,
        customer: "acme".into(),
        amount_cents: 100,
    };
    assert_eq!(
        SendInvoice::unique_key(&args).as_deref(),
        Some("order_id=42,customer=\"acme\"")
    );
    let job = SendInvoice::builder().build(&args).expect("valid");
    assert_eq!(job.unique_key(), Some("order_id=42,customer=\"acme\""));
}
