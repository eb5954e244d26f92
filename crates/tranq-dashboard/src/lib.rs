//! tranq's web dashboard: an [axum](https://docs.rs/axum) router that shows queues, jobs and
//! failures, and retries, cancels or discards jobs. Use it through the facade,
//! `tranq::dashboard` (feature `dashboard`), or run it with `tranq dashboard`; this crate is
//! semver exempt (pin `=x.y.z` if you depend on it directly).
//!
//! Everything it shows comes from the store's lookup and control API
//! ([`SqlStore::jobs`], [`SqlStore::job_get`], [`SqlStore::queue_stats`],
//! [`SqlStore::failure_groups`], [`SqlStore::throughput`], [`SqlStore::retry`] and its
//! siblings): it runs no SQL of its own, so it works on every database and adapter tranq
//! supports.
//!
//! Pages are rendered on the server, with no JavaScript and nothing loaded from elsewhere (the
//! CSS is inline, the chart is inline SVG). Every value from the database is escaped.
//!
//! # Read-only unless a write token is set
//!
//! [`router`] gives a read-only dashboard: every write is refused with `403 Forbidden`. With
//! [`Dashboard::write_token`], an operator who signs in with the token (the dashboard's
//! sign-in page sets an `HttpOnly`, `SameSite=Strict` session cookie) gets retry, cancel and
//! discard buttons. Each is a POST form carrying a CSRF token, an HMAC of the session under a
//! key drawn at random when the router is built, and a POST whose `Origin` is another site is
//! refused. A script may instead send the token itself as `Authorization: Bearer <token>`.
//! Serve the dashboard over HTTPS, or on a private network, when it can write.
//!
//! # Mounting it in an axum app
//!
//! ```no_run
//! # async fn demo<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> Result<(), Box<dyn std::error::Error>> {
//! use tranq_dashboard::Dashboard;
//!
//! let token = std::env::var("TRANQ_DASHBOARD_TOKEN")?;
//! let app = axum::Router::new()
//!     .nest("/admin/jobs", Dashboard::new(store).write_token(token).router()?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! Links and cookies follow the path it is mounted at. Put your own authentication in front
//! of it (an axum layer) when it is reachable by people who should not see job arguments.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod actions;
mod auth;
mod chart;
mod error;
mod pages;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tranq_core::{Backend, SqlStore};

pub use error::{Error, Result};

use auth::Keys;
use error::Failure;

/// The shortest write token [`Dashboard::write_token`] accepts.
pub const MIN_TOKEN_LEN: usize = 16;

/// A read-only dashboard over `store`, to mount in an axum app: pages, no writes. See
/// [`Dashboard`] for one that can retry, cancel and discard.
///
/// ```no_run
/// # async fn serve<B: tranq_core::Backend>(store: tranq_core::SqlStore<B>) -> std::io::Result<()> {
/// let app = axum::Router::new().nest("/jobs", tranq_dashboard::router(store));
/// axum::serve(tokio::net::TcpListener::bind("127.0.0.1:8080").await?, app).await
/// # }
/// ```
pub fn router<B: Backend>(store: SqlStore<B>) -> Router {
    Dashboard::new(store).build(None)
}

/// A dashboard being configured: `Dashboard::new(store).write_token(t).router()`.
#[must_use]
pub struct Dashboard<B> {
    store: SqlStore<B>,
    write_token: Option<String>,
}

/// Shows whether a write token is set, never the token.
impl<B: std::fmt::Debug> std::fmt::Debug for Dashboard<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dashboard")
            .field("store", &self.store)
            .field(
                "write_token",
                &self.write_token.as_ref().map(|_| "<hidden>"),
            )
            .finish()
    }
}

impl<B: Backend> Dashboard<B> {
    /// A read-only dashboard over `store` until [`write_token`](Self::write_token) is set.
    pub fn new(store: SqlStore<B>) -> Self {
        Dashboard {
            store,
            write_token: None,
        }
    }

    /// Lets operators who sign in with `token` retry, cancel and discard jobs. The token must
    /// be at least [`MIN_TOKEN_LEN`] characters ([`router`](Self::router) says otherwise).
    pub fn write_token(mut self, token: impl Into<String>) -> Self {
        self.write_token = Some(token.into());
        self
    }

    /// The axum router: [`Error::WeakToken`] when the write token is too short.
    pub fn router(mut self) -> Result<Router> {
        match self.write_token.take() {
            Some(token) if token.chars().count() < MIN_TOKEN_LEN => Err(Error::WeakToken),
            token => Ok(self.build(token)),
        }
    }

    fn build(self, write_token: Option<String>) -> Router {
        let shared = Arc::new(Shared {
            store: self.store,
            keys: Keys::new(write_token.as_deref()),
        });
        Router::new()
            .route("/", get(pages::queues::<B>))
            .route("/jobs", get(pages::jobs::<B>))
            .route("/jobs/{id}", get(pages::job::<B>))
            .route("/failures", get(pages::failures::<B>))
            .route("/login", get(pages::login::<B>).post(actions::login::<B>))
            .route("/logout", post(actions::logout::<B>))
            .route("/jobs/{id}/{action}", post(actions::one::<B>))
            .route("/actions", post(actions::many::<B>))
            .fallback(|| async { Failure::NotFound("no such page".to_owned()) })
            .layer(axum::middleware::map_response(view::secure_headers))
            .with_state(shared)
    }
}

/// What every handler shares.
struct Shared<B> {
    store: SqlStore<B>,
    keys: Keys,
}

type St<B> = axum::extract::State<Arc<Shared<B>>>;
