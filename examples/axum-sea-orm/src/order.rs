//! The `orders` table as a SeaORM entity.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// One order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Total in cents.
    pub amount_cents: i64,
    /// The id of the invoice job enqueued with the order.
    pub invoice_job: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
