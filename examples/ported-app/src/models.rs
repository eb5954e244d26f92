//! The tables as SeaORM entities (`app/models.py`): orders, and the invoice e-mails sent for them.

// ANCHOR: order
/// The `orders` table.
pub mod order {
    use sea_orm::entity::prelude::*;

    /// One order.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "orders")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Where the invoice goes.
        pub customer_email: String,
        /// Total in cents.
        pub amount_cents: i64,
    }

    /// No relations declared from this side.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
// ANCHOR_END: order

// ANCHOR: invoice_email
/// The `invoice_emails` table: one row per e-mail the (fake) mailer sent.
pub mod invoice_email {
    use sea_orm::entity::prelude::*;

    /// One e-mail.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "invoice_emails")]
    pub struct Model {
        /// Primary key.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The order invoiced; unique, so a job that runs twice sends one e-mail.
        #[sea_orm(unique)]
        pub order_id: i64,
        /// The customer's address.
        pub recipient: String,
        /// The text sent.
        pub body: String,
    }

    /// Each e-mail belongs to an order (the foreign key).
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        /// `order_id` → `orders.id`.
        #[sea_orm(
            belongs_to = "super::order::Entity",
            from = "Column::OrderId",
            to = "super::order::Column::Id"
        )]
        Order,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
// ANCHOR_END: invoice_email
