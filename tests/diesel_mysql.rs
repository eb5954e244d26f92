//! The conformance suite for Diesel (sync) on MariaDB, and what only this adapter has: the
//! `Enqueue` trait inside `conn.transaction`, `migrate`, and the `diesel_migrations` source.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/diesel.rs"]
mod harness;

crate::suite!(harness::DieselHarness<conformance::databases::MySql>);
crate::diesel_adapter_tests!(harness::DieselHarness<conformance::databases::MySql>);
