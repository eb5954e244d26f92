//! The relay's errors.

/// A `Result` with the relay's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the relay, outside a job's own attempts (those are recorded on the job).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A subject NATS does not accept (empty, with whitespace, or with an empty token).
    #[error("invalid subject {subject:?}: {reason}")]
    InvalidSubject {
        /// The subject given.
        subject: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A header name or value NATS does not accept.
    #[error("invalid header {name:?}: {reason}")]
    InvalidHeader {
        /// The header's name.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The payload of [`Event::json`](crate::Event::json) did not serialize.
    #[error("cannot serialize the event payload")]
    Serialize(#[source] Box<serde_json::Error>),
    /// The relay settings do not work together.
    #[error("invalid relay config: {0}")]
    Config(String),
    /// A stream could not be created or read.
    #[error("cannot create or read stream {name:?}")]
    Stream {
        /// The stream's name.
        name: String,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A publish was not acknowledged by JetStream.
    #[error("publish to {subject:?} was not acknowledged")]
    Publish {
        /// The event's subject.
        subject: String,
        /// The client's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
