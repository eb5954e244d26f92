//! The conformance suite for diesel-async on MariaDB, and the adapter's own tests.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/diesel_async.rs"]
mod harness;

crate::suite!(harness::DieselAsyncHarness<conformance::databases::MySql>);
crate::diesel_adapter_tests!(harness::DieselAsyncHarness<conformance::databases::MySql>);
