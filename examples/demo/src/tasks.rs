//! The background job: `send_invoice`, enqueued by `POST /orders` in the order's transaction.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use tranq::{State, TaskContext, TaskError};

use crate::entities::invoices;
use crate::{chaos, clock};

/// What the task needs to send one invoice: everything comes from the job's arguments, so an
/// invoice for an order that was never committed would show up as a ghost.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct InvoiceArgs {
    pub(crate) order_id: i64,
    pub(crate) order_ref: i64,
    pub(crate) amount_cents: i64,
}

/// The message a failed first attempt records.
pub(crate) const PROVIDER_ERROR: &str = "mail provider timed out";

/// How long a call to the (pretend) mail provider takes.
const PROVIDER_CALL: Duration = Duration::from_millis(3);

/// Sends the invoice of one order, once: a rerun after a crash finds the invoice and stops.
/// `db` is the worker's state: the pool it was built with (`.state(db)` in `worker::run`).
#[tranq::task(queue = "billing", max_attempts = 5, timeout = "30s")]
pub(crate) async fn send_invoice(
    ctx: TaskContext,
    args: InvoiceArgs,
    State(db): State<DatabaseConnection>,
) -> Result<(), TaskError> {
    let picked_up_us = clock::now_us();
    tokio::time::sleep(PROVIDER_CALL).await;
    if ctx.attempt() == 1 && chaos::provider_flaky(args.order_ref) {
        return Err(TaskError::retry(PROVIDER_ERROR));
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let invoice = invoices::ActiveModel {
        order_id: Set(args.order_id),
        order_ref: Set(args.order_ref),
        amount_cents: Set(args.amount_cents),
        job_id: Set(ctx.job_id().0),
        attempt: Set(i32::try_from(ctx.attempt()).unwrap_or(i32::MAX)),
        attempt_token: Set(token.clone()),
        picked_up_us: Set(picked_up_us),
        duplicates: Set(0),
        conflicts: Set(0),
        ..Default::default()
    };
    // Insert unless the order already has an invoice (`do_nothing_on` also covers MySQL).
    invoices::Entity::insert(invoice)
        .on_conflict(
            OnConflict::column(invoices::Column::OrderId)
                .do_nothing_on([invoices::Column::OrderId])
                .to_owned(),
        )
        .exec_without_returning(&db)
        .await?;
    let stored = invoices::Entity::find()
        .filter(invoices::Column::OrderId.eq(args.order_id))
        .one(&db)
        .await?
        .ok_or_else(|| TaskError::retry("the invoice just written is missing"))?;
    if stored.attempt_token != token {
        // An earlier attempt sent it and then lost its lease (its worker was killed).
        let counter = if stored.order_ref == args.order_ref {
            invoices::Column::Duplicates
        } else {
            invoices::Column::Conflicts
        };
        invoices::Entity::update_many()
            .col_expr(counter, Expr::col(counter).add(1))
            .filter(invoices::Column::OrderId.eq(args.order_id))
            .exec(&db)
            .await?;
    }
    Ok(())
}
