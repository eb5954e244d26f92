//! Getting tranq's typed error back from a Diesel error.

use diesel::result::Error as DieselError;
use tranq_core::Error;

/// The tranq error behind a Diesel error returned by `enqueue_in`: the typed error when tranq
/// raised it (invalid queue, payload too large, missing schema, ...), else the database error
/// wrapped with [`Error::database`].
///
/// ```
/// use tranq_diesel::tranq_error;
///
/// let err = tranq_error(diesel::result::Error::NotFound);
/// assert!(matches!(err, tranq_core::Error::Database { .. }));
/// ```
pub fn tranq_error(error: DieselError) -> Error {
    match error {
        DieselError::QueryBuilderError(inner) => match inner.downcast::<Error>() {
            Ok(tranq) => *tranq,
            Err(other) => Error::database(DieselError::QueryBuilderError(other)),
        },
        other => Error::database(other),
    }
}

/// The typed tranq error inside a Diesel error, without taking it: `Some` when tranq raised it
/// (invalid queue, payload too large, NUL character, missing schema), `None` for the database's
/// own errors.
///
/// ```
/// use tranq_diesel::as_tranq_error;
///
/// let invalid = tranq_core::validate_queue("").unwrap_err();
/// let err = diesel::result::Error::QueryBuilderError(Box::new(invalid));
/// assert!(matches!(as_tranq_error(&err), Some(tranq_core::Error::InvalidQueue { .. })));
/// assert!(as_tranq_error(&diesel::result::Error::NotFound).is_none());
/// ```
pub fn as_tranq_error(error: &DieselError) -> Option<&Error> {
    match error {
        DieselError::QueryBuilderError(inner) => inner.downcast_ref::<Error>(),
        _ => None,
    }
}
