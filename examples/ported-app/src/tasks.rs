//! The invoice task and the worker that runs it (`app/tasks.py`: the Celery app, its queue
//! and `send_invoice`).

use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use serde::{Deserialize, Serialize};
use tranq::{State, TaskContext, TaskError};

use crate::models::{invoice_email, order};

// ANCHOR: worker
/// A worker for the `billing` queue, four jobs at a time (`celery worker -Q billing -c 4`).
/// Its tasks get the pool as their state.
pub fn worker(db: DatabaseConnection) -> tranq::Result<tranq::Worker> {
    tranq::Worker::builder(tranq::sea_orm::Store::new(db.clone()))
        .queue("billing", 4)
        .state(db)
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
/// `db` is the worker's pool, from `.state(db)` in [`worker`].
#[tranq::task(queue = "billing", max_attempts = 5, timeout = "30s")]
pub async fn send_invoice(
    ctx: TaskContext,
    args: Invoice,
    State(db): State<DatabaseConnection>,
) -> Result<(), TaskError> {
    let Some(order) = order::Entity::find_by_id(args.order_id).one(&db).await? else {
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
        .exec_without_returning(&db)
        .await?;
    tracing::info!(order = order.id, attempt = ctx.attempt(), "invoice sent");
    Ok(())
}
// ANCHOR_END: send_invoice
