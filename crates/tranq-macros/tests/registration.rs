//! Every `#[task]` linked into a binary is found by `Registry::from_inventory`, under its name
//! and with its options.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tranq::{Registry, Task, TaskContext, TaskError};

/// Arguments of `send_invoice`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Invoice {
    order_id: i64,
}

#[tranq::task(queue = "billing", max_attempts = 5, priority = 1, timeout = "30s")]
async fn send_invoice(_ctx: TaskContext, args: Invoice) -> Result<i64, TaskError> {
    Ok(args.order_id)
}

mod mail {
    use tranq::{TaskContext, TaskError};

    #[tranq::task(name = "mail.welcome")]
    pub(crate) async fn welcome(_ctx: TaskContext, _user: String) -> Result<(), TaskError> {
        Ok(())
    }
}

#[test]
fn registry_finds_both_tasks_by_name() -> tranq::Result<()> {
    let registry = Registry::from_inventory()?;
    // tranq's own tasks (`tranq.relay.publish`, when the workspace enables the `relay` feature)
    // are linked in too.
    let ours: Vec<&str> = registry
        .names()
        .into_iter()
        .filter(|name| !name.starts_with("tranq."))
        .collect();
    assert_eq!(ours, ["mail.welcome", "send_invoice"]);

    let invoice = registry
        .get("send_invoice")
        .expect("send_invoice is registered");
    assert_eq!(invoice.name(), SendInvoice::NAME);
    assert_eq!(invoice.options(), SendInvoice::OPTIONS);
    assert_eq!(
        invoice.options().time_limit(),
        Some(Duration::from_secs(30))
    );
    assert!(
        invoice.defined_at().contains("registration.rs:"),
        "{}",
        invoice.defined_at()
    );

    let welcome = registry.get("mail.welcome").expect("welcome is registered");
    assert_eq!(welcome.options(), mail::Welcome::OPTIONS);
    assert!(registry.has_task_defaulting_to("billing"));
    assert!(registry.has_task_defaulting_to(tranq::DEFAULT_QUEUE));
    assert!(registry.get("welcome").is_none());
    Ok(())
}
