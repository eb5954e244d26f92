//! An axum app on diesel-async: `POST /orders` inserts an order and enqueues its invoice in the
//! same transaction; `GET /orders/{id}` shows the order and the state of its job. A tranq
//! worker runs in the same process.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use diesel::prelude::*;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use tranq::{JobId, TaskContext, TaskError};

diesel::table! {
    /// Orders, with the id of the invoice job enqueued with each.
    orders (id) {
        /// Primary key.
        id -> BigInt,
        /// Total in cents.
        amount_cents -> BigInt,
        /// The invoice job.
        invoice_job -> BigInt,
    }
}

/// A bb8 pool of diesel-async Postgres connections.
pub type Pool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;

/// The worker's store over the same pool.
pub type Store = tranq::diesel_async::Store<AsyncPgConnection>;

/// One order.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = orders)]
pub struct Order {
    /// Primary key.
    pub id: i64,
    /// Total in cents.
    pub amount_cents: i64,
    /// The invoice job's id.
    pub invoice_job: i64,
}

/// Body of `POST /orders`.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewOrder {
    /// Total in cents; a negative total is refused after the insert, so the transaction (and
    /// the job in it) rolls back.
    pub amount_cents: i64,
}

/// Answer of `GET /orders/{id}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct OrderView {
    /// The order.
    pub order: Order,
    /// State of its invoice job (`available`, `running`, `completed`, ...).
    pub invoice: String,
}

/// Arguments of [`send_invoice`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Invoice {
    /// The order to invoice.
    pub order_id: i64,
}

/// Opens a pool on `url`.
pub async fn pool(url: &str) -> Result<Pool, Box<dyn std::error::Error + Send + Sync>> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
    Ok(bb8::Pool::builder().max_size(16).build(manager).await?)
}

/// Creates tranq's schema and the app's table.
pub async fn migrate(pool: &Pool) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tranq::diesel_async::migrate(pool).await?;
    let mut conn = pool.get().await?;
    diesel::sql_query(
        "CREATE TABLE IF NOT EXISTS orders (
             id bigserial PRIMARY KEY, amount_cents bigint NOT NULL, invoice_job bigint NOT NULL)",
    )
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// The routes.
pub fn app(pool: Pool) -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route("/orders/{id}", get(show_order))
        .with_state(pool)
}

/// A worker for the `billing` queue.
pub fn worker(pool: Pool) -> tranq::Result<tranq::Worker> {
    tranq::Worker::builder(Store::new(pool))
        .queue("billing", 8)
        .build()
}

/// Why a transaction ended without a commit.
enum Refused {
    Negative,
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Refused {
    fn from(e: diesel::result::Error) -> Self {
        Refused::Db(e)
    }
}

async fn create_order(
    State(pool): State<Pool>,
    Json(body): Json<NewOrder>,
) -> Result<(StatusCode, Json<Order>), (StatusCode, String)> {
    let mut conn = pool.get().await.map_err(internal)?;
    let placed = conn
        .transaction::<_, Refused, _>(async move |conn| {
            let id: i64 = diesel::insert_into(orders::table)
                .values((
                    orders::amount_cents.eq(body.amount_cents),
                    orders::invoice_job.eq(0),
                ))
                .returning(orders::id)
                .get_result(conn)
                .await?;
            let job = SendInvoice::enqueue_in(&mut *conn, Invoice { order_id: id }).await?;
            if body.amount_cents < 0 {
                return Err(Refused::Negative); // rolls back the order and its job together
            }
            Ok(diesel::update(orders::table.find(id))
                .set(orders::invoice_job.eq(job.0))
                .returning(Order::as_returning())
                .get_result(conn)
                .await?)
        })
        .await;
    match placed {
        Ok(order) => Ok((StatusCode::CREATED, Json(order))),
        Err(Refused::Negative) => Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount must not be negative".into(),
        )),
        Err(Refused::Db(e)) => Err(internal(tranq::diesel_async::tranq_error(e))),
    }
}

async fn show_order(
    State(pool): State<Pool>,
    Path(id): Path<i64>,
) -> Result<Json<OrderView>, (StatusCode, String)> {
    let mut conn = pool.get().await.map_err(internal)?;
    let order: Order = orders::table
        .find(id)
        .select(Order::as_select())
        .first(&mut conn)
        .await
        .optional()
        .map_err(internal)?
        .ok_or((StatusCode::NOT_FOUND, format!("no order {id}")))?;
    drop(conn);
    let job = Store::new(pool)
        .job_get(JobId(order.invoice_job))
        .await
        .map_err(internal)?;
    Ok(Json(OrderView {
        order,
        invoice: job.map_or_else(|| "missing".to_owned(), |j| j.state.to_string()),
    }))
}

fn internal(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// Sends the invoice of an order.
#[tranq::task(queue = "billing", max_attempts = 5, timeout = "30s")]
pub async fn send_invoice(ctx: TaskContext, args: Invoice) -> Result<(), TaskError> {
    tracing::info!(
        order = args.order_id,
        attempt = ctx.attempt(),
        "invoice sent"
    );
    Ok(())
}
