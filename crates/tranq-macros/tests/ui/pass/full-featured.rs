//! Every attribute, a non-unit result and a custom error type; the fn stays callable.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tranq::{Task, TaskContext, TaskError, TaskOptions};

/// Arguments of `send_invoice`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Invoice {
    /// The order billed.
    pub order_id: i64,
}

/// What `send_invoice` returns.
#[derive(Debug, PartialEq, Serialize)]
pub struct Receipt {
    /// The order billed.
    pub order_id: i64,
    /// The attempt that sent it.
    pub attempt: u32,
}

/// Why billing failed.
#[derive(Debug)]
pub struct BillingError(String);

impl std::fmt::Display for BillingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "billing failed: {}", self.0)
    }
}

impl std::error::Error for BillingError {}

/// Sends an invoice.
#[tranq::task(queue = "billing", max_attempts = 5, priority = 1, timeout = "30s")]
pub async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<Receipt, BillingError> {
    if args.order_id < 0 {
        return Err(BillingError(format!("no order {}", args.order_id)));
    }
    Ok(Receipt {
        order_id: args.order_id,
        attempt: ctx.attempt(),
    })
}

fn main() {
    assert_eq!(<SendInvoice as Task>::NAME, "send_invoice");
    assert_eq!(
        <SendInvoice as Task>::OPTIONS,
        TaskOptions::new()
            .queue("billing")
            .max_attempts(5)
            .priority(1)
            .timeout(Duration::from_secs(30))
    );
    assert_eq!(SendInvoice::OPTIONS.queue_name(), "billing");
    assert_eq!(SendInvoice::OPTIONS.attempts(), 5);
    assert_eq!(SendInvoice::OPTIONS.default_priority(), 1);
    assert_eq!(SendInvoice::OPTIONS.time_limit(), Some(Duration::from_secs(30)));

    // The handle is a plain Copy value.
    let handle = SendInvoice::default();
    let copy = handle;
    assert_eq!(format!("{handle:?} {copy:?}"), "SendInvoice SendInvoice");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // The fn as written.
        let receipt = send_invoice(TaskContext::for_test(2), Invoice { order_id: 7 })
            .await
            .expect("sent");
        assert_eq!(receipt, Receipt { order_id: 7, attempt: 2 });

        // Through the Task impl: the result is stored as JSON, the error as a TaskError.
        let stored = SendInvoice::run(TaskContext::for_test(3), Invoice { order_id: 8 })
            .await
            .expect("sent");
        assert_eq!(
            stored,
            Some(serde_json::json!({ "order_id": 8, "attempt": 3 }))
        );
        let error: TaskError = SendInvoice::run(TaskContext::for_test(1), Invoice { order_id: -1 })
            .await
            .expect_err("fails");
        assert!(error.to_string().contains("billing failed: no order -1"), "{error}");
    });
}
