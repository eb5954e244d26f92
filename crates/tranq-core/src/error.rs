//! The one error type of tranq-core.

/// `Result` with tranq's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in tranq outside of a task's own code.
///
/// Task failures are not errors of this kind: a handler returns a [`TaskError`](crate::TaskError)
/// and the runtime records it on the job row.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database answered with an error, or could not be reached. The message is the
    /// driver's; the driver's error itself is [`Error::driver`] (not `source()`, so that error
    /// reporters do not print the same message twice).
    #[error("database error: {message}")]
    #[non_exhaustive]
    Database {
        /// What the driver said.
        message: String,
        /// The driver's error, when there is one.
        driver: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// tranq's tables do not exist in this database.
    #[error(
        "tranq schema is missing ({detail}): run the migrations first, with `tranq::sea_orm::migrate`, `tranq::diesel::migrate`, `tranq::diesel::migrate_blocking` or `tranq::diesel_async::migrate` (or `tranq::diesel::MIGRATIONS` with diesel_migrations), the `tranq migrate` command, or the SQL of `tranq migrate --print`"
    )]
    #[non_exhaustive]
    SchemaMissing {
        /// The database's own words.
        detail: String,
    },
    /// Job arguments could not be turned into JSON.
    #[error("cannot serialize arguments of task `{task}`")]
    #[non_exhaustive]
    Serialize {
        /// The task whose arguments failed.
        task: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// The serialized arguments are larger than the configured limit.
    #[error(
        "arguments of task `{task}` are {size} bytes, over the limit of {limit} bytes: store large data in your own table and pass its id"
    )]
    #[non_exhaustive]
    PayloadTooLarge {
        /// The task whose arguments are too large.
        task: &'static str,
        /// Size of the serialized arguments.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Arguments or a tag hold a NUL character, which PostgreSQL cannot store. Refused on every
    /// database, so that code tried on SQLite behaves the same on PostgreSQL.
    #[error(
        "the {what} of task `{task}` hold a NUL character (\\u0000), which PostgreSQL cannot store (tranq refuses it on every database): encode binary data, e.g. as base64, or strip the NUL"
    )]
    #[non_exhaustive]
    NulCharacter {
        /// The task whose job was refused.
        task: &'static str,
        /// `arguments` or `tags`.
        what: &'static str,
    },
    /// A queue name is empty, too long or contains characters tranq does not accept.
    #[error("invalid queue name {name:?}: {reason}")]
    #[non_exhaustive]
    InvalidQueue {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A job was given `max_attempts(0)`: it could never run.
    #[error("max_attempts of a job of task `{task}` is 0: a job needs at least one attempt")]
    #[non_exhaustive]
    InvalidMaxAttempts {
        /// The task of the job refused.
        task: &'static str,
    },
    /// `ctx.complete_in(conn)` found the job no longer held by this attempt: its lease expired
    /// and the job was taken back (another worker may be running it), or it was already
    /// finished. Roll the transaction back: its writes must not commit without the completion.
    #[error(
        "job {id} was not completed: this attempt no longer holds it (its lease expired and the job was taken back, or it is already finished); roll back the transaction"
    )]
    #[non_exhaustive]
    LeaseLost {
        /// The job's id.
        id: i64,
    },
    /// A periodic task's schedule does not parse.
    #[error("invalid schedule {schedule:?}: {reason}")]
    #[non_exhaustive]
    InvalidSchedule {
        /// The schedule as given.
        schedule: String,
        /// What is wrong, and what is expected.
        reason: String,
    },
    /// `store.retry(id)` of a finished job whose unique key another live job holds now: running
    /// it again would make two.
    #[error(
        "job {id} cannot be retried: another job of its task holds its unique key now; wait for that job to finish, or enqueue without the key"
    )]
    #[non_exhaustive]
    UniqueKeyTaken {
        /// The job asked to be retried.
        id: i64,
    },
    /// A job's unique key cannot be stored.
    #[error("the unique key of a job of task `{task}` is refused: {reason}")]
    #[non_exhaustive]
    InvalidUniqueKey {
        /// The task of the job refused.
        task: &'static str,
        /// What is wrong with the key, and what to do.
        reason: String,
    },
    /// A job's concurrency key cannot be stored.
    #[error("the concurrency key of a job of task `{task}` is refused: {reason}")]
    #[non_exhaustive]
    InvalidConcurrencyKey {
        /// The task of the job refused.
        task: &'static str,
        /// What is wrong with the key, and what to do.
        reason: String,
    },
    /// No job has this id (it never existed, or was pruned or deleted when completed).
    #[error("no job {id}: it never existed, or it was pruned or deleted once finished")]
    #[non_exhaustive]
    NoSuchJob {
        /// The id asked for.
        id: i64,
    },
    /// The job is not in a state the action applies to (e.g. retrying a completed job).
    #[error(
        "cannot {action} job {id}: it is {state}, and {action} applies to jobs that are {applies_to}"
    )]
    #[non_exhaustive]
    WrongJobState {
        /// The job.
        id: i64,
        /// What was asked: `cancel`, `discard`, `retry`.
        action: &'static str,
        /// The state the job is in.
        state: crate::JobState,
        /// The states the action applies to.
        applies_to: &'static str,
    },
    /// A job's stored result does not read as the type asked for in
    /// [`JobInfo::result_as`](crate::JobInfo::result_as).
    #[error("the result of job {id} does not read as the type asked for: {source}")]
    #[non_exhaustive]
    ResultType {
        /// The job.
        id: i64,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// A task takes a `State<T>` the worker was not given.
    #[error(
        "task `{task}` takes `State<{state}>`, but this worker has no `{state}`: add `.state(value)` with one to `Worker::builder(store)`"
    )]
    #[non_exhaustive]
    MissingState {
        /// The task that takes the state.
        task: &'static str,
        /// The state's type.
        state: &'static str,
    },
    /// Two `#[task]` definitions share one name.
    #[error(
        "task name `{name}` is defined twice: at {first} and at {second}; give one of them `#[task(name = \"...\")]`"
    )]
    #[non_exhaustive]
    DuplicateTask {
        /// The shared name.
        name: &'static str,
        /// Where the first definition is.
        first: String,
        /// Where the second definition is.
        second: String,
    },
    /// A database URL does not parse, names a database tranq does not support, or points
    /// nowhere.
    #[error("cannot connect to {url}: {reason}")]
    #[non_exhaustive]
    Connect {
        /// The URL, password hidden.
        url: String,
        /// What went wrong, and what to do.
        reason: String,
        /// The driver's error, when the driver refused (not when the URL itself is wrong).
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A worker or service was configured with values that cannot work.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The database dialect does not offer this operation.
    #[error("{operation} is not supported on {dialect}")]
    #[non_exhaustive]
    Unsupported {
        /// What was asked for.
        operation: String,
        /// The dialect's name.
        dialect: &'static str,
    },
    /// A stored row could not be read back (it was edited into a shape tranq does not know).
    #[error("unreadable row in tranq_jobs: {0}")]
    Corrupt(String),
}

impl Error {
    /// Wraps a driver error, recognising a missing schema from the driver's message.
    pub fn database<E>(error: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let message = error.to_string();
        if is_missing_schema(&message) {
            return Error::SchemaMissing { detail: message };
        }
        Error::Database {
            message,
            driver: Some(Box::new(error)),
        }
    }

    /// A database error known only by its message.
    pub fn database_message(message: impl Into<String>) -> Self {
        let message = message.into();
        if is_missing_schema(&message) {
            return Error::SchemaMissing { detail: message };
        }
        Error::Database {
            message,
            driver: None,
        }
    }

    /// A [`Connect`](Error::Connect) error: `url` with its password hidden, and what to do.
    pub fn connect(url: &str, reason: impl Into<String>) -> Self {
        Error::Connect {
            url: redact_url(url),
            reason: reason.into(),
            source: None,
        }
    }

    /// A [`Connect`](Error::Connect) error the driver gave: its words, and the driver's error.
    pub fn connect_refused<E>(url: &str, error: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Error::Connect {
            url: redact_url(url),
            reason: error.to_string(),
            source: Some(Box::new(error)),
        }
    }

    /// An [`Unsupported`](Error::Unsupported) error: `operation` is not offered on `dialect`.
    pub fn unsupported(operation: impl Into<String>, dialect: &'static str) -> Self {
        Error::Unsupported {
            operation: operation.into(),
            dialect,
        }
    }

    /// The database driver's own error behind a [`Database`](Error::Database) error, to
    /// downcast to the driver's type (`sqlx::Error`, `diesel::result::Error`).
    pub fn driver(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            Error::Database { driver, .. } => driver.as_deref(),
            _ => None,
        }
    }

    /// True when the same statement may succeed if tried again later: the database could not be
    /// reached, was starting or stopping, was busy or out of connections, or picked this
    /// transaction as a deadlock or serialization victim. False for errors that trying again
    /// cannot fix (a value out of range, a constraint the row breaks, a missing schema).
    ///
    /// ```
    /// let lost = tranq_core::Error::database_message("Connection refused (os error 111)");
    /// assert!(lost.is_transient());
    /// let refused = tranq_core::Error::database_message("interval out of range");
    /// assert!(!refused.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Database { message, .. } => is_transient_message(message),
            _ => false,
        }
    }

    /// True when the database gave up this transaction to break a deadlock (retried: see
    /// [`is_transient`](Error::is_transient)).
    pub fn is_deadlock(&self) -> bool {
        matches!(self, Error::Database { message, .. } if message.to_ascii_lowercase().contains("deadlock"))
    }

    /// True when the database refused a write because another job holds the same task and
    /// unique key (the unique index `tranq_jobs_unique_idx`; SQLite names its columns instead).
    pub(crate) fn is_unique_key_taken(&self) -> bool {
        matches!(self, Error::Database { message, .. }
            if message.contains("tranq_jobs_unique_idx") || message.contains("tranq_jobs.unique_key"))
    }
}

/// SeaORM's errors become [`Error::Database`] (or [`Error::SchemaMissing`]), so that `?` works on
/// both in a function or closure transaction whose error type is `tranq::Error`:
/// `db.transaction::<_, _, tranq::Error>(|txn| ...)`.
#[cfg(feature = "sea-orm")]
impl From<sea_orm::DbErr> for Error {
    fn from(error: sea_orm::DbErr) -> Self {
        Error::database(error)
    }
}

/// The outcome of `db.transaction::<_, _, tranq::Error>(...)` back as one `tranq::Error`: the
/// closure's own error as it was, a failure to begin or commit as [`Error::Database`].
#[cfg(feature = "sea-orm")]
impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(error: sea_orm::TransactionError<Error>) -> Self {
        match error {
            sea_orm::TransactionError::Connection(db) => Error::database(db),
            sea_orm::TransactionError::Transaction(error) => error,
        }
    }
}

/// `url` with its password replaced by `***`, for messages and logs.
///
/// ```
/// assert_eq!(
///     tranq_core::redact_url("postgres://app:secret@db:5432/shop"),
///     "postgres://app:***@db:5432/shop"
/// );
/// assert_eq!(
///     tranq_core::redact_url("postgres://db/shop?user=app&password=secret"),
///     "postgres://db/shop?user=app&password=***"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{}", redact_query_password(path))
}

/// `?password=…` (and `&password=…`) in a URL's path and query, replaced by `***`.
fn redact_query_password(path: &str) -> String {
    let Some((before, query)) = path.split_once('?') else {
        return path.to_owned();
    };
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{before}?{}", query.join("&"))
}

/// Words with which PostgreSQL, MariaDB, SQLite and their clients (sqlx, libpq, libmysqlclient,
/// r2d2, bb8) say that a connection failed, the server is busy or stopping, or a lock race was
/// lost: all worth trying again.
const TRANSIENT_WORDS: &[&str] = &[
    "connect",
    "broken pipe",
    "timed out",
    "timeout",
    "pool",
    "i/o",
    "io error",
    "end of file",
    "eof",
    "gone away",
    "shutting down",
    "starting up",
    "in recovery",
    "terminating",
    "administrator command",
    "too many",
    "deadlock",
    "could not serialize",
    "serialization failure",
    "lock wait",
    "database is locked",
    "database table is locked",
    "busy",
    "locking protocol",
    "server closed",
    "communicating",
    "unavailable",
];

fn is_transient_message(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    TRANSIENT_WORDS.iter().any(|word| message.contains(word))
}

/// Postgres, MySQL/MariaDB and SQLite each say "no such table" in their own words.
fn is_missing_schema(message: &str) -> bool {
    message.contains("tranq_")
        && (message.contains("does not exist")
            || message.contains("doesn't exist")
            || message.contains("no such table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_missing_schema_in_each_dialect() {
        for msg in [
            r#"relation "tranq_jobs" does not exist"#,
            "Table 'test.tranq_jobs' doesn't exist",
            "no such table: tranq_jobs",
        ] {
            assert!(matches!(
                Error::database_message(msg),
                Error::SchemaMissing { .. }
            ));
        }
        assert!(matches!(
            Error::database_message("connection refused"),
            Error::Database { .. }
        ));
    }
}
