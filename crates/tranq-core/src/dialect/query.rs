//! The values that cross from tranq-core to an adapter and back.

/// A value bound to a query parameter or read from a result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Int(i64),
    /// Text (JSON travels as text and is cast in SQL where the column is `jsonb`).
    Text(String),
}

/// The type of a result column, so that an adapter knows how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// A non-null integer (any width), read as `i64`.
    Int,
    /// Non-null text.
    Text,
    /// Text that may be NULL.
    NullableText,
}

/// One query, ready for an adapter to bind and run.
#[derive(Debug, Clone)]
pub struct Query {
    /// SQL text in the dialect's placeholder style.
    pub sql: &'static str,
    /// Values for the placeholders, in order.
    pub params: Vec<Value>,
    /// What each result row looks like.
    pub shape: RowShape,
}

/// The kinds of result rows tranq's queries return. Each query's SQL names its result columns
/// exactly as [`RowShape::columns`] lists them, so an adapter can read them by position or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RowShape {
    /// No rows (or rows nobody reads).
    Nothing,
    /// `id`.
    Id,
    /// `id, task, queue, args, attempt, max_attempts, lease_token, priority, given_back,
    /// pickup_us, trace`.
    ClaimedJob,
    /// `task, count`.
    TaskCount,
    /// Every column of [`JobInfo`](crate::JobInfo).
    Job,
    /// `version`.
    Version,
    /// `first_id, step, lock_mode`: `LAST_INSERT_ID()`, the auto-increment step and the
    /// auto-increment lock mode (MySQL dialect; see [`InsertIds`](crate::InsertIds)).
    FirstInsertId,
    /// `id, task, unique_key, lease_token`: a row an insert of unique jobs inserted or found
    /// (see [`InsertPlan`](crate::InsertPlan)).
    Enqueued,
    /// One queue's counts and ages (see [`QueueStats`](crate::QueueStats)): `queue`, one count
    /// per state, `scheduled`, `oldest_due_us` (-1 for none), `finished_last_minute`.
    QueueStats,
    /// One job's times in microseconds (-1 for NULL) and lease owner (see
    /// [`JobTimes`](crate::JobTimes)).
    JobTimes,
    /// `id, concurrency_key`: a job a claim under a per-key limit may take.
    IdKey,
}

impl RowShape {
    /// Names and types of the result columns, in order.
    pub const fn columns(self) -> &'static [(&'static str, ColumnType)] {
        use ColumnType::{Int, NullableText, Text};
        match self {
            RowShape::Nothing => &[],
            RowShape::Id => &[("id", Int)],
            RowShape::IdKey => &[("id", Int), ("concurrency_key", NullableText)],
            RowShape::ClaimedJob => &[
                ("id", Int),
                ("task", Text),
                ("queue", Text),
                ("args", Text),
                ("attempt", Int),
                ("max_attempts", Int),
                ("lease_token", Int),
                ("priority", Int),
                ("given_back", Int),
                ("pickup_us", Int),
                ("trace", NullableText),
            ],
            RowShape::TaskCount => &[("task", Text), ("count", Int)],
            RowShape::Job => &[
                ("id", Int),
                ("queue", Text),
                ("task", Text),
                ("args", Text),
                ("state", Text),
                ("priority", Int),
                ("attempt", Int),
                ("max_attempts", Int),
                ("errors", Text),
                ("tags", Text),
                ("result", NullableText),
                ("run_at_us", Int),
            ],
            RowShape::Version => &[("version", Int)],
            RowShape::FirstInsertId => &[("first_id", Int), ("step", Int), ("lock_mode", Int)],
            RowShape::Enqueued => &[
                ("id", Int),
                ("task", Text),
                ("unique_key", NullableText),
                ("lease_token", Int),
            ],
            RowShape::QueueStats => &[
                ("queue", Text),
                ("available", Int),
                ("scheduled", Int),
                ("running", Int),
                ("retryable", Int),
                ("completed", Int),
                ("discarded", Int),
                ("cancelled", Int),
                ("oldest_due_us", Int),
                ("finished_last_minute", Int),
            ],
            RowShape::JobTimes => &[
                ("created_at_us", Int),
                ("attempted_at_us", Int),
                ("finished_at_us", Int),
                ("lease_expires_at_us", Int),
                ("lease_owner", NullableText),
            ],
        }
    }
}

/// One result row, one [`Value`] per column of its [`RowShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    /// The integer in column `i`.
    pub fn int(&self, i: usize) -> Result<i64, crate::Error> {
        match self.0.get(i) {
            Some(Value::Int(v)) => Ok(*v),
            other => Err(crate::Error::Corrupt(format!(
                "column {i}: expected an integer, found {other:?}"
            ))),
        }
    }
    /// The text in column `i`.
    pub fn text(&self, i: usize) -> Result<&str, crate::Error> {
        match self.0.get(i) {
            Some(Value::Text(v)) => Ok(v),
            other => Err(crate::Error::Corrupt(format!(
                "column {i}: expected text, found {other:?}"
            ))),
        }
    }
    /// The text in column `i`, or `None` for NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<&str>, crate::Error> {
        match self.0.get(i) {
            Some(Value::Null) => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
}
