//! The book's worked port (book/src/port.md): the FastAPI + SQLAlchemy + Celery app of
//! `book/ported-app/python`, as axum + SeaORM + tranq on PostgreSQL. Same endpoints, same
//! tables; the invoice job commits in the order's transaction instead of going to a broker.
//!
//! | Python (`app/`) | Rust (`src/`) |
//! |---|---|
//! | `config.py` | [`config`] |
//! | `db.py` | [`db`] |
//! | `models.py` | [`models`] |
//! | `schemas.py` | [`schemas`] |
//! | `tasks.py` | [`tasks`] |
//! | `main.py` | [`routes`] and `main.rs` |

pub mod config;
pub mod db;
pub mod models;
pub mod routes;
pub mod schemas;
pub mod tasks;

pub use routes::{AppState, Hooks, app};
