//! The web app (`app/main.py`): `POST /orders` saves an order and enqueues its invoice in one
//! transaction; `GET /orders/{id}` shows the order and whether its invoice e-mail went out.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::future::BoxFuture;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};

use crate::models::{invoice_email, order};
use crate::schemas::{NewOrder, OrderOut};
use crate::tasks::{Invoice, SendInvoice};

// ANCHOR: state
/// What every handler gets (`Depends(get_db)`, `Depends(get_hooks)`).
#[derive(Clone)]
pub struct AppState {
    /// The pool; a handler begins its own transaction on it.
    pub db: DatabaseConnection,
    /// Where tests pause a request; empty in production.
    pub hooks: Hooks,
}

/// A pause point: called with the order's id.
pub type Hook = Arc<dyn Fn(i64) -> BoxFuture<'static, ()> + Send + Sync>;

/// Points in `create_order` where tests pause it, as the Python app's `Hooks`.
#[derive(Clone, Default)]
pub struct Hooks {
    /// Inside the transaction, after the enqueue, before the commit.
    pub before_commit: Option<Hook>,
    /// After the commit, before the response.
    pub after_commit: Option<Hook>,
}

impl Hooks {
    async fn run(hook: &Option<Hook>, order_id: i64) {
        if let Some(hook) = hook {
            hook(order_id).await;
        }
    }
}

/// The routes (`app = FastAPI(...)` and its `@app.post` / `@app.get`).
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/orders", post(create_order))
        .route("/orders/{id}", get(show_order))
        .with_state(state)
}
// ANCHOR_END: state

// ANCHOR: create_order
async fn create_order(
    State(state): State<AppState>,
    Json(body): Json<NewOrder>,
) -> Result<(StatusCode, Json<OrderOut>), ApiError> {
    body.validate().map_err(ApiError::unprocessable)?;
    let txn = state.db.begin().await?;
    let order = order::ActiveModel {
        customer_email: Set(body.customer_email),
        amount_cents: Set(body.amount_cents),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // One more INSERT in the same transaction: no broker, nothing to send after the commit.
    SendInvoice::enqueue_in(&txn, Invoice { order_id: order.id }).await?;
    Hooks::run(&state.hooks.before_commit, order.id).await;
    txn.commit().await?; // the order and its job become visible together
    Hooks::run(&state.hooks.after_commit, order.id).await;
    Ok((StatusCode::CREATED, Json(OrderOut::new(order, false))))
}
// ANCHOR_END: create_order

// ANCHOR: show_order
async fn show_order(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<OrderOut>, ApiError> {
    let order = order::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no order {id}")))?;
    let sent = invoice_email::Entity::find()
        .filter(invoice_email::Column::OrderId.eq(id))
        .count(&state.db)
        .await?
        > 0;
    Ok(Json(OrderOut::new(order, sent)))
}
// ANCHOR_END: show_order

// ANCHOR: error
/// An error answer, `{"detail": "..."}` as FastAPI's `HTTPException` gives.
#[derive(Debug)]
pub struct ApiError(StatusCode, String);

impl ApiError {
    fn unprocessable(detail: String) -> ApiError {
        ApiError(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "detail": self.1 }))).into_response()
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> ApiError {
        tracing::error!(error = %e, "database error");
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, "database error".into())
    }
}

impl From<tranq::Error> for ApiError {
    fn from(e: tranq::Error) -> ApiError {
        tracing::error!(error = %e, "enqueue failed");
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, "enqueue failed".into())
    }
}
// ANCHOR_END: error
