//! tranq against the real PostgreSQL (`TRANQ_TEST_POSTGRES_URL`, default
//! postgres://postgres@127.0.0.1:5432/test). Every test creates its own database.

#![allow(unreachable_pub, clippy::unwrap_used)]
mod enqueue;
mod failures;
mod migrate;
mod running;
mod shutdown;
mod support;
mod tasks;
