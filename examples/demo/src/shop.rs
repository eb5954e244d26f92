//! The web shop: `POST /orders` writes the order and enqueues its invoice in one transaction.

use std::net::SocketAddr;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, TransactionTrait};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::entities::orders;
use crate::tasks::{InvoiceArgs, SendInvoice};
use crate::{chaos, clock};

/// The body of `POST /orders`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct NewOrder {
    pub(crate) order_ref: i64,
    pub(crate) customer: String,
    pub(crate) amount_cents: i64,
}

/// The answer to an order that committed (201).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Created {
    pub(crate) order_id: i64,
    pub(crate) job_id: i64,
    /// When the commit returned, in microseconds since the Unix epoch.
    pub(crate) committed_us: i64,
}

/// Why an order was not taken.
#[derive(Debug)]
enum ShopError {
    CardDeclined,
    Database(DbErr),
    Queue(tranq::Error),
}

impl From<DbErr> for ShopError {
    fn from(e: DbErr) -> Self {
        ShopError::Database(e)
    }
}

impl From<tranq::Error> for ShopError {
    fn from(e: tranq::Error) -> Self {
        ShopError::Queue(e)
    }
}

impl IntoResponse for ShopError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ShopError::CardDeclined => (StatusCode::PAYMENT_REQUIRED, "card declined".to_owned()),
            ShopError::Database(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            ShopError::Queue(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        (status, message).into_response()
    }
}

/// `POST /orders`: the order row and its `send_invoice` job commit together or not at all.
async fn create_order(
    State(db): State<DatabaseConnection>,
    Json(new): Json<NewOrder>,
) -> Result<(StatusCode, Json<Created>), ShopError> {
    let txn = db.begin().await?;
    let order = orders::ActiveModel {
        order_ref: Set(new.order_ref),
        customer: Set(new.customer),
        amount_cents: Set(new.amount_cents),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let job = SendInvoice::enqueue_in(
        &txn,
        InvoiceArgs {
            order_id: order.id,
            order_ref: order.order_ref,
            amount_cents: order.amount_cents,
        },
    )
    .await?;
    // The card is charged after the order was written. On failure `?` returns early and the
    // dropped transaction rolls back: the order and its job never existed.
    charge_card(&order)?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            order_id: order.id,
            job_id: job.0,
            committed_us: clock::now_us(),
        }),
    ))
}

/// The payment step; declines a fixed share of orders.
fn charge_card(order: &orders::Model) -> Result<(), ShopError> {
    if chaos::card_declined(order.order_ref) {
        return Err(ShopError::CardDeclined);
    }
    Ok(())
}

/// The shop, served on a free port of 127.0.0.1 until dropped or stopped.
pub(crate) struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Binds 127.0.0.1:0 and serves the shop on `db`.
    pub(crate) async fn start(db: DatabaseConnection) -> std::io::Result<Server> {
        let app = Router::new()
            .route("/orders", post(create_order))
            .with_state(db);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Server { addr, stop, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Finishes the requests in flight and stops.
    pub(crate) async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}
