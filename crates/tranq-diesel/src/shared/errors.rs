//! tranq's errors carried in Diesel's error type.
//!
//! `enqueue_in` returns `diesel::result::Error` so that `?` works inside a Diesel transaction
//! closure: database failures stay Diesel's own errors, and tranq's own failures (invalid queue,
//! payload too large, missing schema, ...) travel as `QueryBuilderError` holding a
//! [`tranq_core::Error`]; [`tranq_error`](crate::tranq_error) gets it back.

use diesel::result::Error as DieselError;
use tranq_core::{Error, RowShape};

/// Carries a tranq error in Diesel's error type.
pub fn into_diesel(error: Error) -> DieselError {
    DieselError::QueryBuilderError(Box::new(error))
}

/// An error from running the enqueue statement: kept as Diesel's own, except a missing schema,
/// which becomes [`Error::SchemaMissing`] (its message says to run the migrations).
pub fn enqueue_failed(error: DieselError) -> DieselError {
    match Error::database_message(error.to_string()) {
        missing @ Error::SchemaMissing { .. } => into_diesel(missing),
        _ => error,
    }
}

/// A query whose [`RowShape`] this adapter has no row type for.
pub fn unknown_shape(shape: RowShape) -> DieselError {
    into_diesel(Error::Corrupt(format!(
        "the Diesel adapter cannot read rows of shape {shape:?}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tranq_error;

    #[test]
    fn a_tranq_error_survives_the_round_trip() {
        let err = into_diesel(Error::Config("x".into()));
        assert!(matches!(tranq_error(err), Error::Config(_)));
    }

    #[test]
    fn a_missing_table_becomes_schema_missing() {
        let info = Box::new(String::from(r#"relation "tranq_jobs" does not exist"#));
        let db = DieselError::DatabaseError(diesel::result::DatabaseErrorKind::Unknown, info);
        let err = tranq_error(enqueue_failed(db));
        assert!(matches!(err, Error::SchemaMissing { .. }), "{err:?}");
    }

    #[test]
    fn other_database_errors_stay_diesel_errors() {
        let err = enqueue_failed(DieselError::NotFound);
        assert!(matches!(err, DieselError::NotFound));
        assert!(matches!(tranq_error(err), Error::Database { .. }));
    }
}
