//! Reading a query's rows by the column list of its [`RowShape`], the one description of each
//! result that tranq-core keeps next to its SQL: a column added there is read here with no
//! change.

use std::marker::PhantomData;

use diesel::QueryableByName;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::row::NamedRow;
use diesel::sql_types::{BigInt, Nullable, Text};
use tranq_core::{ColumnType, Row, RowShape, Value};

/// A [`RowShape`] as a type, so that Diesel can be asked to load rows of it.
pub trait Shape: Send + 'static {
    /// The shape.
    const SHAPE: RowShape;
}

macro_rules! shapes {
    ($($marker:ident => $shape:ident),* $(,)?) => {$(
        #[doc = concat!("[`RowShape::", stringify!($shape), "`] as a type.")]
        #[derive(Debug)]
        pub(crate) enum $marker {}
        impl Shape for $marker {
            const SHAPE: RowShape = RowShape::$shape;
        }
    )*};
}

shapes! {
    IdShape => Id,
    ClaimedJobShape => ClaimedJob,
    TaskCountShape => TaskCount,
    JobShape => Job,
    VersionShape => Version,
    FirstInsertIdShape => FirstInsertId,
    EnqueuedShape => Enqueued,
    QueueStatsShape => QueueStats,
    JobTimesShape => JobTimes,
    IdKeyShape => IdKey,
}

/// One row read by the columns of shape `S`, by name.
#[derive(Debug)]
pub struct Shaped<S> {
    row: Row,
    _shape: PhantomData<S>,
}

impl<S> From<Shaped<S>> for Row {
    fn from(shaped: Shaped<S>) -> Row {
        shaped.row
    }
}

impl<DB, S> QueryableByName<DB> for Shaped<S>
where
    DB: Backend,
    S: Shape,
    i64: FromSql<BigInt, DB>,
    String: FromSql<Text, DB>,
{
    fn build<'a>(row: &impl NamedRow<'a, DB>) -> deserialize::Result<Self> {
        let values = S::SHAPE
            .columns()
            .iter()
            .map(|&(name, column)| {
                Ok(match column {
                    ColumnType::Int => Value::Int(NamedRow::get::<BigInt, i64>(row, name)?),
                    ColumnType::Text => Value::Text(NamedRow::get::<Text, String>(row, name)?),
                    ColumnType::NullableText => {
                        NamedRow::get::<Nullable<Text>, Option<String>>(row, name)?
                            .map_or(Value::Null, Value::Text)
                    }
                })
            })
            .collect::<deserialize::Result<Vec<_>>>()?;
        Ok(Shaped {
            row: Row(values),
            _shape: PhantomData,
        })
    }
}

/// Runs one bound query, reading its rows as [`Shaped`]`<S>` (sync: a `QueryResult`; async: a
/// future).
///
/// Implemented once per connection type, where `load::<Shaped<S>>` resolves for the concrete
/// backend.
pub trait LoadRows<DB: Backend> {
    /// What running the query gives.
    type Output;
    /// Runs the query and reads every row by the columns of `S`.
    fn load<S: Shape>(self) -> Self::Output
    where
        Shaped<S>: QueryableByName<DB>;
    /// Runs the query for its effect ([`RowShape::Nothing`]) and returns no rows.
    fn nothing(self) -> Self::Output;
}

/// Runs `loader` with the type of `shape`; `None` for a shape this adapter does not know yet.
pub fn by_shape<DB, L>(shape: RowShape, loader: L) -> Option<L::Output>
where
    DB: Backend,
    L: LoadRows<DB>,
    i64: FromSql<BigInt, DB>,
    String: FromSql<Text, DB>,
{
    Some(match shape {
        RowShape::Nothing => loader.nothing(),
        RowShape::Id => loader.load::<IdShape>(),
        RowShape::ClaimedJob => loader.load::<ClaimedJobShape>(),
        RowShape::TaskCount => loader.load::<TaskCountShape>(),
        RowShape::Job => loader.load::<JobShape>(),
        RowShape::Version => loader.load::<VersionShape>(),
        RowShape::FirstInsertId => loader.load::<FirstInsertIdShape>(),
        RowShape::Enqueued => loader.load::<EnqueuedShape>(),
        RowShape::QueueStats => loader.load::<QueueStatsShape>(),
        RowShape::JobTimes => loader.load::<JobTimesShape>(),
        RowShape::IdKey => loader.load::<IdKeyShape>(),
        _ => return None,
    })
}

#[cfg(all(test, feature = "postgres-backend"))]
mod tests {
    use super::*;
    use diesel::pg::Pg;

    /// Says which shape `by_shape` picked.
    struct Probe;

    impl LoadRows<Pg> for Probe {
        type Output = RowShape;
        fn load<S: Shape>(self) -> RowShape
        where
            Shaped<S>: QueryableByName<Pg>,
        {
            S::SHAPE
        }
        fn nothing(self) -> RowShape {
            RowShape::Nothing
        }
    }

    #[test]
    fn every_shape_loads_as_its_own_type() {
        for shape in [
            RowShape::Nothing,
            RowShape::Id,
            RowShape::ClaimedJob,
            RowShape::TaskCount,
            RowShape::Job,
            RowShape::Version,
            RowShape::FirstInsertId,
            RowShape::Enqueued,
            RowShape::QueueStats,
            RowShape::JobTimes,
            RowShape::IdKey,
        ] {
            assert_eq!(by_shape(shape, Probe), Some(shape));
        }
    }
}
