//! An axum app: `POST /orders` inserts an order and enqueues its invoice in the same SeaORM
//! transaction; `GET /orders/{id}` shows the order and the state of its job. A tranq worker
//! runs in the same process.

pub mod order;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, EntityTrait,
    Schema, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tranq::sea_orm::Store;
use tranq::{JobId, TaskContext, TaskError};

/// Shared by the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The pool.
    pub db: DatabaseConnection,
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
    /// The order's id.
    pub id: i64,
    /// Total in cents.
    pub amount_cents: i64,
    /// State of its invoice job (`available`, `running`, `completed`, ...).
    pub invoice: String,
}

/// Arguments of [`send_invoice`].
#[derive(Debug, Serialize, Deserialize)]
pub struct Invoice {
    /// The order to invoice.
    pub order_id: i64,
}

/// Creates the app's table and tranq's schema.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), Box<dyn std::error::Error>> {
    tranq::sea_orm::migrate(db).await?;
    let schema = Schema::new(db.get_database_backend());
    let mut create = schema.create_table_from_entity(order::Entity);
    db.execute(create.if_not_exists()).await?;
    Ok(())
}

/// The routes.
pub fn app(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route("/orders/{id}", get(show_order))
        .with_state(AppState { db })
}

/// A worker for the `billing` queue over `db` (`main` gives it a pool of its own).
pub fn worker(db: DatabaseConnection) -> tranq::Result<tranq::Worker> {
    tranq::Worker::builder(Store::new(db))
        .queue("billing", 8)
        .build()
}

async fn create_order(
    State(state): State<AppState>,
    Json(body): Json<NewOrder>,
) -> Result<(StatusCode, Json<order::Model>), (StatusCode, String)> {
    let txn = state.db.begin().await.map_err(internal)?;
    let inserted = order::ActiveModel {
        id: NotSet,
        amount_cents: Set(body.amount_cents),
        invoice_job: Set(0),
    }
    .insert(&txn)
    .await
    .map_err(internal)?;
    let job = SendInvoice::enqueue_in(
        &txn,
        Invoice {
            order_id: inserted.id,
        },
    )
    .await
    .map_err(internal)?;
    if body.amount_cents < 0 {
        // Dropping `txn` rolls back the order and its job together.
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount must not be negative".into(),
        ));
    }
    let mut saved: order::ActiveModel = inserted.into();
    saved.invoice_job = Set(job.0);
    let saved = saved.update(&txn).await.map_err(internal)?;
    txn.commit().await.map_err(internal)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

async fn show_order(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OrderView>, (StatusCode, String)> {
    let found = order::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(internal)?
        .ok_or((StatusCode::NOT_FOUND, format!("no order {id}")))?;
    let job = Store::new(state.db.clone())
        .job_get(JobId(found.invoice_job))
        .await
        .map_err(internal)?;
    Ok(Json(OrderView {
        id: found.id,
        amount_cents: found.amount_cents,
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
