//! Pieces shared by tranq's Diesel adapters (this crate and `tranq-diesel-async`): the backends
//! tranq speaks, binding a core [`Query`](tranq_core::Query), reading its rows, carrying
//! tranq's errors in Diesel's. Not public API.

mod backend;
mod bind;
mod errors;
mod rows;

pub use backend::{Bound, SqlBackend, SyncBackend, TranqBackend};
pub use bind::bind;
pub use errors::{enqueue_failed, into_diesel, unknown_shape};
pub use rows::{LoadRows, Shape, Shaped, by_shape};
