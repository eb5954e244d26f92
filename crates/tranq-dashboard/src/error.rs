//! What can go wrong building a dashboard, and what a page says when a request goes wrong.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error building a dashboard.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The write token is shorter than [`MIN_TOKEN_LEN`](crate::MIN_TOKEN_LEN) characters:
    /// too easy to guess.
    #[error(
        "the write token must be at least {} characters long",
        crate::MIN_TOKEN_LEN
    )]
    WeakToken,
}

/// `Result` with the dashboard's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a request got no page; shown to the operator as a page with its status.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 400: the request's own fault (a bad filter, an unknown action).
    BadRequest(String),
    /// 403: a write without the token, the CSRF token or from another site.
    Forbidden(&'static str),
    /// 404.
    NotFound(String),
    /// 409: the job is in a state the action does not apply to.
    Conflict(String),
    /// 500: the store failed.
    Store(tranq_core::Error),
}

impl From<tranq_core::Error> for Failure {
    fn from(e: tranq_core::Error) -> Self {
        match e {
            tranq_core::Error::NoSuchJob { .. } => Failure::NotFound(e.to_string()),
            tranq_core::Error::WrongJobState { .. } | tranq_core::Error::UniqueKeyTaken { .. } => {
                Failure::Conflict(e.to_string())
            }
            e => Failure::Store(e),
        }
    }
}

impl Failure {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Forbidden(_) => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            Failure::BadRequest(m) | Failure::NotFound(m) | Failure::Conflict(m) => m.clone(),
            Failure::Forbidden(m) => (*m).to_owned(),
            Failure::Store(e) => format!("the database failed: {e}"),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if let Failure::Store(e) = &self {
            tracing::error!(error = %e, "tranq dashboard: a page failed");
        }
        let status = self.status();
        (status, crate::view::error_page(status, &self.message())).into_response()
    }
}
