//! A core [`Query`] as a Diesel `sql_query` with its values bound.

use diesel::backend::Backend;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Nullable, Text};
use tranq_core::{Query, Value};

/// `sql_query(sql)` with every value of `query` bound in order: integers as `BigInt`, text as
/// `Text`, NULL as a `Nullable<Text>`.
pub fn bind<DB>(query: &Query) -> BoxedSqlQuery<'static, DB, SqlQuery>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text>,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    Option<String>: ToSql<Nullable<Text>, DB>,
{
    query.params.iter().fold(
        diesel::sql_query(query.sql).into_boxed::<DB>(),
        |q, value| match value {
            Value::Null => q.bind::<Nullable<Text>, _>(None::<String>),
            Value::Int(i) => q.bind::<BigInt, _>(*i),
            Value::Text(s) => q.bind::<Text, _>(s.clone()),
        },
    )
}
