//! The shop's tables, as SeaORM entities. The schema is created from them, so the same code runs
//! on every database SeaORM supports.

pub(crate) mod invoices;
pub(crate) mod orders;
