//! `shop_invoices`: written by the `send_invoice` task, at most one per order.

use sea_orm::entity::prelude::*;

/// An invoice that was sent.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_invoices")]
pub(crate) struct Model {
    /// Assigned by the database.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// The order invoiced. Unique: a job that runs again (at-least-once) finds the invoice
    /// already there and does not send a second one.
    #[sea_orm(unique)]
    pub(crate) order_id: i64,
    /// The order's client reference, copied from the job's arguments.
    pub(crate) order_ref: i64,
    /// What was invoiced.
    pub(crate) amount_cents: i64,
    /// The tranq job that sent it.
    pub(crate) job_id: i64,
    /// The attempt of that job that sent it (1 = first try).
    pub(crate) attempt: i32,
    /// Random per attempt: tells the attempt that wrote the row from later reruns.
    pub(crate) attempt_token: String,
    /// When the task's handler started, in microseconds since the Unix epoch.
    pub(crate) picked_up_us: i64,
    /// Reruns of the same job that found this invoice already sent and sent nothing.
    pub(crate) duplicates: i32,
    /// Jobs of a *different* order (same id, other ref) that found this row. Only a job of a
    /// rolled-back order could do that, so each one counts as a ghost invoice.
    pub(crate) conflicts: i32,
}

/// No relations are declared: the invoice is written from the job's arguments alone.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
