//! Orders written with SeaORM on PostgreSQL; each order enqueues `send_invoice` in the same
//! transaction. One order in four rolls back, and its invoice never exists. A worker then runs
//! what committed and the program prints what ran.
//!
//! Run with `bash scripts/demo.sh` (or `cargo run -p example-orders -- [ORDERS]`, with
//! `DATABASE_URL` pointing at a PostgreSQL database; default postgres://postgres@127.0.0.1:5432/test).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tranq::sea_orm::Store;
use tranq::{TaskContext, TaskError};

static INVOICED: Mutex<BTreeSet<i64>> = Mutex::new(BTreeSet::new());

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter("warn").init();
    let orders: i64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(200);
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let db = Database::connect(&url).await?;
    tranq::sea_orm::migrate(&db).await?;
    setup_orders_table(&db).await?;

    let (mut committed, mut rolled_back) = (BTreeSet::new(), 0);
    for n in 0..orders {
        let txn = db.begin().await?;
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO demo_orders (amount_cents) VALUES ($1) RETURNING id",
                [(1000 + n).into()],
            ))
            .await?
            .ok_or("insert returned no row")?;
        let order_id: i64 = row.try_get_by_index(0)?;
        SendInvoice::enqueue_in(&txn, Invoice { order_id }).await?;
        if n % 4 == 3 {
            txn.rollback().await?; // e.g. payment declined after the insert
            rolled_back += 1;
        } else {
            txn.commit().await?;
            committed.insert(order_id);
        }
    }
    println!(
        "orders committed: {}, rolled back: {rolled_back}",
        committed.len()
    );

    let started = Instant::now();
    let worker = tranq::Worker::builder(Store::new(db.clone()))
        .queue("billing", 16)
        .build()?;
    let done = committed.clone();
    worker
        .run_until(async move {
            while !INVOICED.lock().map(|i| done.is_subset(&i)).unwrap_or(true) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await?;

    let invoiced = INVOICED.lock().map_err(|_| "poisoned")?.clone();
    let ghosts = invoiced.difference(&committed).count();
    let lost = committed.difference(&invoiced).count();
    println!(
        "invoices sent: {} in {:.2?}",
        invoiced.len(),
        started.elapsed()
    );
    println!("invoices for rolled-back orders: {ghosts} (must be 0)");
    println!("committed orders without invoice: {lost} (must be 0)");
    if ghosts > 0 || lost > 0 {
        return Err("an invariant failed".into());
    }
    Ok(())
}

async fn setup_orders_table(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    db.execute_unprepared(
        "DROP TABLE IF EXISTS demo_orders;
         CREATE TABLE demo_orders (id bigserial PRIMARY KEY, amount_cents bigint NOT NULL);
         DELETE FROM tranq_jobs WHERE task = 'send_invoice';",
    )
    .await
    .map(|_| ())
}

#[derive(Serialize, Deserialize)]
struct Invoice {
    order_id: i64,
}

/// Sends the invoice of one order (here: remembers that it did).
#[tranq::task(queue = "billing", max_attempts = 5, timeout = "30s")]
async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    tracing::info!(
        order = args.order_id,
        attempt = ctx.attempt(),
        "sending invoice"
    );
    INVOICED
        .lock()
        .map_err(|_| TaskError::retry("lock poisoned"))?
        .insert(args.order_id);
    Ok(())
}
