//! The conformance suite for SeaORM on MariaDB.
#![allow(unreachable_pub, clippy::unwrap_used)]

#[path = "conformance/mod.rs"]
mod conformance;
#[path = "harness/sea_orm.rs"]
mod harness;

crate::suite!(harness::SeaOrmHarness<conformance::databases::MySql>);
