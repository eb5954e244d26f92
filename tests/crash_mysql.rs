//! Crash tests with real worker processes on MariaDB (see `tests/crash/mod.rs`).
#![allow(unreachable_pub, dead_code, clippy::unwrap_used)]

#[path = "crash/mod.rs"]
mod crash;
#[path = "conformance/databases.rs"]
mod databases;

crate::crash_tests!(databases::MySql);
