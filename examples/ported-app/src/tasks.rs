//! The invoice task and the worker that runs it (`app/tasks.py`: the Celery app, its queue
//! and `send_invoice`).

use std::sync::OnceLock;

use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use tranq::{TaskContext, TaskError};

use crate::models::{invoice_email, order};

// ANCHOR: worker
/// Tasks are plain functions: the pool they write with is set once per process.
static DB: OnceLock<DatabaseConnection> = OnceLock::new();

/// Gives this process's tasks their pool; false if it already had one.
pub fn init(db: DatabaseConnection) -> bool {
    DB.set(db).is_ok()
}

/// A worker for the `billing` queue, four jobs at a time (`celery worker -Q billing -c 4`).
pub fn worker(db: DatabaseConnection) -> tranq::Result<tranq::Worker> {
    tranq::Worker::builder(tranq::sea_orm::Store::new(db))
        .queue("billing", 4)
        .build()
}
// ANCHOR_END: worker

// ANCHOR: send_invoice
/// Arguments of [`send_invoice`]: what `send_invoice.delay(order.id)` sent.
#[derive(Debug, Serialize, Deserialize)]
pub struct Invoice {
    /// The order to invoice.
    pub order_id: i64,
}

/// Sends the invoice e-mail of an order, once: a second run finds it sent and does nothing.
#[tranq::task(queue = "billing", max_attempts = 5, timeout = "30s")]
pub async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    let db = DB
        .get()
        .ok_or_else(|| TaskError::retry("tasks::init was not called"))?;
    let Some(order) = order::Entity::find_by_id(args.order_id).one(db).await? else {
        // The job committed with its order, so only a later delete gets here.
        return Err(TaskError::cancel(format!(
            "order {} not found",
            args.order_id
        )));
    };
    let email = invoice_email::ActiveModel {
        order_id: Set(order.id),
        recipient: Set(order.customer_email),
        body: Set(format!(
            "Invoice for order {}: {}.{:02} EUR",
            order.id,
            order.amount_cents / 100,
            order.amount_cents % 100
        )),
        ..Default::default()
    };
    invoice_email::Entity::insert(email)
        .on_conflict(
            OnConflict::column(invoice_email::Column::OrderId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    tracing::info!(order = order.id, attempt = ctx.attempt(), "invoice sent");
    Ok(())
}
// ANCHOR_END: send_invoice
