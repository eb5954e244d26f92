//! `shop_orders`: one row per order the shop accepted (and committed).

use sea_orm::entity::prelude::*;

/// An order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_orders")]
pub(crate) struct Model {
    /// Assigned by the database.
    #[sea_orm(primary_key)]
    pub(crate) id: i64,
    /// The client's reference for the request, unique per run. SQLite hands a rolled-back
    /// order's id to the next order, so ids cannot tell orders apart across rollbacks; refs can.
    #[sea_orm(unique)]
    pub(crate) order_ref: i64,
    /// Who ordered.
    pub(crate) customer: String,
    /// What it costs.
    pub(crate) amount_cents: i64,
}

/// No relations are declared: the invoice task must not depend on the order row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
