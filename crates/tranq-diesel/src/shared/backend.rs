//! The Diesel backends tranq has SQL for, and what it does over each: bind a core
//! [`Query`](tranq_core::Query) and read its rows.

use diesel::backend::Backend;
use diesel::deserialize::FromSql;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Nullable, Text};
use tranq_core::{Dialect, InsertIds, Query, RowShape};

use super::rows::LoadRows;
use super::{bind, by_shape};

/// A Diesel backend tranq speaks: one line per database.
pub trait TranqBackend: Backend + 'static {
    /// The SQL dialect of the backend.
    const DIALECT: Dialect;
}

#[cfg(feature = "postgres-backend")]
impl TranqBackend for diesel::pg::Pg {
    const DIALECT: Dialect = Dialect::Postgres;
}

#[cfg(feature = "mysql-backend")]
impl TranqBackend for diesel::mysql::Mysql {
    const DIALECT: Dialect = Dialect::MySql;
}

#[cfg(feature = "sqlite")]
impl TranqBackend for diesel::sqlite::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
}

/// A core query bound for backend `DB`. Generic code that runs one also asks
/// `Bound<DB>: QueryFragment<DB>` (which Diesel implements for every backend, under a bound it
/// keeps private).
pub type Bound<DB> = BoxedSqlQuery<'static, DB, SqlQuery>;

/// What tranq does over a [`TranqBackend`], for generic code to name in one bound (Rust does
/// not carry `i64: ToSql<BigInt, DB>`-style bounds from a trait to its users).
pub trait SqlBackend: TranqBackend {
    /// `sql_query(sql)` with every value of `query` bound in order.
    fn bind(query: &Query) -> Bound<Self>;
    /// Runs `loader` with the row type of `shape`; `None` for a shape the adapter does not
    /// know.
    fn by_shape<L: LoadRows<Self>>(shape: RowShape, loader: L) -> Option<L::Output>;
}

impl<DB> SqlBackend for DB
where
    DB: TranqBackend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB> + FromSql<BigInt, DB>,
    String: ToSql<Text, DB> + FromSql<Text, DB>,
    Option<String>: ToSql<Nullable<Text>, DB>,
{
    fn bind(query: &Query) -> Bound<Self> {
        bind::<DB>(query)
    }

    fn by_shape<L: LoadRows<Self>>(shape: RowShape, loader: L) -> Option<L::Output> {
        by_shape(shape, loader)
    }
}

/// A backend the sync adapter (`tranq-diesel`) runs on: PostgreSQL, SQLite and MariaDB.
pub trait SyncBackend: SqlBackend {
    /// How the sync client learns the ids of inserted jobs.
    const INSERT_IDS: InsertIds = InsertIds::Returning;
}

#[cfg(feature = "postgres-backend")]
impl SyncBackend for diesel::pg::Pg {}

#[cfg(feature = "sqlite")]
impl SyncBackend for diesel::sqlite::Sqlite {}

/// Diesel's sync MySQL client reads a statement's result columns before running it, and MariaDB
/// announces those of `INSERT ... RETURNING` only once it ran: ids come from `LAST_INSERT_ID()`.
#[cfg(feature = "mysql-backend")]
impl SyncBackend for diesel::mysql::Mysql {
    const INSERT_IDS: InsertIds = InsertIds::LastInsertId;
}
