//! # tranq
//!
//! Transactional background jobs for Rust. A job is a row written inside your own database
//! transaction: if the transaction commits, the job exists and runs at least once; if it rolls
//! back, the job never existed.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use tranq::{TaskContext, TaskError};
//!
//! #[derive(Serialize, Deserialize)]
//! pub struct Invoice { pub order_id: i64 }
//!
//! #[tranq::task(queue = "billing", max_attempts = 5, timeout = "30s")]
//! pub async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
//!     tracing::info!(order = args.order_id, attempt = ctx.attempt(), "sending invoice");
//!     Ok(())
//! }
//!
//! use tranq::Task as _;
//! assert_eq!(SendInvoice::NAME, "send_invoice");
//! assert_eq!(SendInvoice::OPTIONS.queue_name(), "billing");
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use tranq_core::*;

/// Marks an async fn as a task; see the crate docs.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use tranq_macros::task;

/// Enqueue inside SeaORM transactions, and a [`Store`] over a SeaORM `DatabaseConnection`.
#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub mod sea_orm {
    #[doc(inline)]
    pub use tranq_sea_orm::*;
}

/// Enqueue inside Diesel (sync) transactions, and a [`Store`] over an r2d2 pool of Diesel
/// connections.
#[cfg(feature = "diesel")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel")))]
pub mod diesel {
    #[doc(inline)]
    pub use tranq_diesel::*;
}

/// Enqueue inside diesel-async transactions, and a [`Store`] over a bb8 pool of diesel-async
/// connections.
#[cfg(feature = "diesel-async")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel-async")))]
pub mod diesel_async {
    #[doc(inline)]
    pub use tranq_diesel_async::*;
}
