//! SQL dialects: the one place where tranq's SQL text lives.
//!
//! Each dialect keeps its queries in `sql/<dialect>/*.sql`, one `-- name: xyz` block per query,
//! written with `$1`-style placeholders and loaded with `include_str!`; [`Dialect::query`]
//! adapts them to the driver's placeholder style. Adapters never write SQL: they receive a
//! [`Query`] (text, bound values, row shape) and only bind and execute it.

mod named;
mod query;

pub use query::{ColumnType, Query, Row, RowShape, Value};

use std::sync::LazyLock;

use crate::error::Error;
use named::{NamedQueries, Placeholders};

/// A SQL dialect tranq speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// PostgreSQL 13+.
    Postgres,
    /// SQLite 3.42+ (WAL, one writer at a time).
    Sqlite,
    /// MariaDB 10.6+ (MySQL 8 lacks `INSERT ... RETURNING`; see the README).
    MySql,
}

static POSTGRES: LazyLock<NamedQueries> = LazyLock::new(|| {
    NamedQueries::parse(
        concat!(
            include_str!("../../sql/postgres/job.sql"),
            "\n",
            include_str!("../../sql/postgres/migration.sql"),
            "\n",
            include_str!("../../sql/postgres/leader.sql"),
            "\n",
            include_str!("../../sql/postgres/maintenance.sql"),
            "\n",
            include_str!("../../sql/postgres/session.sql"),
            "\n",
            include_str!("../../sql/postgres/stats.sql"),
        ),
        Placeholders::Dollar,
    )
});

static MYSQL: LazyLock<NamedQueries> = LazyLock::new(|| {
    NamedQueries::parse(
        concat!(
            include_str!("../../sql/mysql/job.sql"),
            "\n",
            include_str!("../../sql/mysql/migration.sql"),
            "\n",
            include_str!("../../sql/mysql/leader.sql"),
            "\n",
            include_str!("../../sql/mysql/maintenance.sql"),
            "\n",
            include_str!("../../sql/mysql/session.sql"),
            "\n",
            include_str!("../../sql/mysql/stats.sql"),
        ),
        Placeholders::Question,
    )
});

static SQLITE: LazyLock<NamedQueries> = LazyLock::new(|| {
    NamedQueries::parse(
        concat!(
            include_str!("../../sql/sqlite/job.sql"),
            "\n",
            include_str!("../../sql/sqlite/migration.sql"),
            "\n",
            include_str!("../../sql/sqlite/leader.sql"),
            "\n",
            include_str!("../../sql/sqlite/maintenance.sql"),
            "\n",
            include_str!("../../sql/sqlite/session.sql"),
            "\n",
            include_str!("../../sql/sqlite/stats.sql"),
        ),
        Placeholders::NumberedQuestion,
    )
});

impl Dialect {
    /// The dialect's name, as users write it.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
            Dialect::MySql => "mysql",
        }
    }

    fn queries(self) -> &'static NamedQueries {
        match self {
            Dialect::Postgres => &POSTGRES,
            Dialect::Sqlite => &SQLITE,
            Dialect::MySql => &MYSQL,
        }
    }

    /// True when the dialect defines the named query.
    pub(crate) fn has(self, name: &str) -> bool {
        self.queries().get(name).is_some()
    }

    /// The named query with its parameters, ready for an adapter.
    pub(crate) fn query(
        self,
        name: &str,
        params: Vec<Value>,
        shape: RowShape,
    ) -> Result<Query, Error> {
        let sql = self.queries().get(name).ok_or_else(|| Error::Unsupported {
            operation: name.to_owned(),
            dialect: self.name(),
        })?;
        let params = match &sql.order {
            None => params,
            Some(order) => order
                .iter()
                .map(|&i| params.get(i).cloned().unwrap_or(Value::Null))
                .collect(),
        };
        Ok(Query {
            sql: sql.text,
            params,
            shape,
        })
    }

    /// The statement an adapter opens a writing transaction with on a connection of its own:
    /// `BEGIN IMMEDIATE` on SQLite (the write lock at once), `BEGIN` elsewhere.
    pub fn begin_write_sql(self) -> &'static str {
        self.queries()
            .get("session_begin_write")
            .map_or("BEGIN", |q| q.text)
    }

    /// The statement that subscribes a connection to enqueue notifications
    /// (`LISTEN tranq_jobs`), where the dialect has them.
    pub fn listen_sql(self) -> Option<&'static str> {
        self.queries().get("session_listen").map(|q| q.text)
    }

    /// Whether `UPDATE ... RETURNING` exists; without it the store locks, updates and reads
    /// back in one transaction (see `sql/mysql/job.sql`).
    pub const fn supports_update_returning(self) -> bool {
        !matches!(self, Dialect::MySql)
    }

    /// Whether several writing statements can make progress at once. SQLite has one writer:
    /// there the worker keeps one completion statement in flight instead of several.
    pub const fn has_concurrent_writers(self) -> bool {
        !matches!(self, Dialect::Sqlite)
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
            Dialect::Sqlite | Dialect::MySql => {
                Value::Text(serde_json::Value::from(items.to_vec()).to_string())
            }
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
    fn every_dialect_defines_every_query_the_store_uses() {
        for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::MySql] {
            for name in crate::store::sql_store::QUERY_NAMES {
                assert!(dialect.has(name), "{} lacks query {name}", dialect.name());
            }
        }
    }

    #[test]
    fn mysql_defines_the_lock_update_fetch_steps_of_every_update_returning() {
        for name in [
            "job_claim",
            "job_claim_ids",
            "job_complete_many",
            "job_release_many",
            "job_heartbeat_many",
            "job_rescue_expired",
        ] {
            assert!(
                Dialect::MySql.has(&format!("{name}_select")),
                "{name}_select"
            );
        }
        assert!(Dialect::MySql.has("job_claim_fetch"));
        assert!(Dialect::MySql.has("job_claim_ids_fetch"));
    }

    #[test]
    fn session_statements_come_from_the_sql_files() {
        assert_eq!(Dialect::Sqlite.begin_write_sql(), "BEGIN IMMEDIATE");
        assert_eq!(Dialect::Postgres.begin_write_sql(), "BEGIN");
        assert_eq!(Dialect::Postgres.listen_sql(), Some("LISTEN tranq_jobs"));
        assert_eq!(Dialect::MySql.listen_sql(), None);
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
