//! Completing a job inside the handler's own transaction (`ctx.complete_in(conn)`): the one
//! statement, fenced by the attempt's lease token, and what its row count means.

use crate::dialect::{Dialect, Query, RowShape, Value};
use crate::error::{Error, Result};
use crate::job::Lease;

/// The statement that completes the job of `lease` on the handler's connection: it changes the
/// row only while this attempt holds the job (`running`, with this token). Not public API.
#[doc(hidden)]
pub fn complete_in_query(dialect: Dialect, lease: Lease) -> Result<Query> {
    dialect.query(
        "job_complete_in_txn",
        vec![Value::Int(lease.id.0), Value::Int(lease.token)],
        RowShape::Nothing,
    )
}

/// What the statement's row count says: completed, or [`Error::LeaseLost`]. Not public API.
#[doc(hidden)]
pub fn completed_or_lost(rows: u64, lease: Lease) -> Result<()> {
    if rows == 0 {
        Err(Error::LeaseLost { id: lease.id.0 })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::JobId;

    #[test]
    fn no_row_changed_means_the_lease_was_lost() {
        let lease = Lease {
            id: JobId(7),
            token: 3,
        };
        assert!(completed_or_lost(1, lease).is_ok());
        assert!(matches!(
            completed_or_lost(0, lease),
            Err(Error::LeaseLost { id: 7 })
        ));
        for dialect in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let query = complete_in_query(dialect, lease).expect("every dialect has it");
            assert_eq!(query.params, vec![Value::Int(7), Value::Int(3)]);
        }
    }
}
