//! The conformance suite for Diesel (sync) on SQLite, and the adapter's own tests.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/diesel.rs"]
mod harness;

crate::suite!(harness::DieselHarness<conformance::databases::Sqlite>);
crate::diesel_adapter_tests!(harness::DieselHarness<conformance::databases::Sqlite>);
