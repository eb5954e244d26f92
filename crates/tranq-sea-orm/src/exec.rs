//! Binds a core [`Query`] on any SeaORM connection and reads its rows. The only place this
//! adapter touches SQL, and it never writes any.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};
use tranq_core::{ColumnType, Dialect, Error, Query, Result, Row, RowShape, Value};

pub(crate) fn dialect(backend: DbBackend) -> Result<Dialect> {
    match backend {
        DbBackend::Postgres => Ok(Dialect::Postgres),
        DbBackend::Sqlite => Ok(Dialect::Sqlite),
        DbBackend::MySql => Ok(Dialect::MySql),
        _ => Err(Error::unsupported(
            "tranq on this SeaORM backend",
            "this dialect",
        )),
    }
}

fn statement(backend: DbBackend, query: &Query) -> Statement {
    let values = query.params.iter().map(|v| match v {
        Value::Null => sea_orm::Value::String(None),
        Value::Int(i) => sea_orm::Value::BigInt(Some(*i)),
        Value::Text(s) => sea_orm::Value::String(Some(s.clone())),
    });
    Statement::from_sql_and_values(backend, query.sql, values)
}

fn read(row: &QueryResult, shape: RowShape) -> Result<Row> {
    shape
        .columns()
        .iter()
        .enumerate()
        .map(|(i, (_, column))| {
            Ok(match column {
                ColumnType::Int => {
                    Value::Int(row.try_get_by_index::<i64>(i).map_err(Error::database)?)
                }
                ColumnType::Text => {
                    Value::Text(row.try_get_by_index::<String>(i).map_err(Error::database)?)
                }
                ColumnType::NullableText => row
                    .try_get_by_index::<Option<String>>(i)
                    .map_err(Error::database)?
                    .map_or(Value::Null, Value::Text),
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Row)
}

pub(crate) async fn execute<C: ConnectionTrait>(conn: &C, query: &Query) -> Result<u64> {
    let stmt = statement(conn.get_database_backend(), query);
    Ok(conn
        .execute_raw(stmt)
        .await
        .map_err(Error::database)?
        .rows_affected())
}

pub(crate) async fn fetch<C: ConnectionTrait>(conn: &C, query: &Query) -> Result<Vec<Row>> {
    let stmt = statement(conn.get_database_backend(), query);
    conn.query_all_raw(stmt)
        .await
        .map_err(Error::database)?
        .iter()
        .map(|row| read(row, query.shape))
        .collect()
}
