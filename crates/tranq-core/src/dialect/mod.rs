//! SQL dialects: the one place where tranq's SQL text lives.
//!
//! Each dialect keeps its queries in `sql/<dialect>/*.sql`, one `-- name: xyz` block per query,
//! loaded with `include_str!`. Adapters never write SQL: they receive a [`Query`] (text, bound
//! values, expected column types) and only bind and execute it.

mod named;
mod query;

pub use query::{ColumnType, Query, Row, RowShape, Value};

use std::sync::LazyLock;

use crate::error::Error;
use named::NamedQueries;

/// A SQL dialect tranq speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// PostgreSQL 13+.
    Postgres,
}

static POSTGRES: LazyLock<NamedQueries> = LazyLock::new(|| {
    NamedQueries::parse(concat!(
        include_str!("../../sql/postgres/job.sql"),
        "\n",
        include_str!("../../sql/postgres/migration.sql"),
    ))
});

impl Dialect {
    /// The dialect's name, as users write it.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
        }
    }

    /// The SQL text of a named query.
    pub(crate) fn sql(self, name: &'static str) -> Result<&'static str, Error> {
        let queries: &'static NamedQueries = match self {
            Dialect::Postgres => &POSTGRES,
        };
        queries.get(name).ok_or(Error::Unsupported {
            operation: name,
            dialect: self.name(),
        })
    }

    /// Whether the database can push a wake-up to an idle worker (LISTEN/NOTIFY).
    pub const fn supports_listen_notify(self) -> bool {
        matches!(self, Dialect::Postgres)
    }

    /// The channel enqueues notify on.
    pub const NOTIFY_CHANNEL: &'static str = "tranq_jobs";

    /// Encodes a list of strings as one bindable text value the dialect's SQL unpacks.
    pub(crate) fn text_list(self, items: &[&str]) -> Value {
        match self {
            Dialect::Postgres => Value::Text(postgres_text_array(items)),
        }
    }
}

/// `{"a","b"}`: a Postgres array literal, cast in SQL with `$n::text[]`.
fn postgres_text_array(items: &[&str]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_postgres_query_the_store_uses_exists() {
        for name in crate::store::sql_store::QUERY_NAMES {
            assert!(Dialect::Postgres.sql(name).is_ok(), "missing query {name}");
        }
    }

    #[test]
    fn postgres_array_literal_escapes_quotes_and_backslashes() {
        assert_eq!(
            postgres_text_array(&["a", r#"b"c"#, r"d\e"]),
            r#"{"a","b\"c","d\\e"}"#
        );
        assert_eq!(postgres_text_array(&[]), "{}");
    }
}
