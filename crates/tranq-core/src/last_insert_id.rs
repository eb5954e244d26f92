//! Learning the ids of inserted jobs without reading rows from `INSERT ... RETURNING`.
//!
//! Diesel's sync MySQL client reads a prepared statement's result columns before running it,
//! and MariaDB announces those of `INSERT ... RETURNING` only once it ran: over that client the
//! insert runs without its `RETURNING` clause and a second statement on the same connection
//! reads `LAST_INSERT_ID()`, the first id of the statement. The ids of one statement are
//! consecutive (step `@@auto_increment_increment`) while `innodb_autoinc_lock_mode` is 0 or 1
//! (MariaDB's default is 1); under 2 only a one-job insert can be read back this way.

use crate::dialect::{Dialect, Query, Row, RowShape};
use crate::error::{Error, Result};
use crate::job::JobId;
use crate::new_job::{NewJob, insert_query};

/// How a connection learns the ids of the jobs an insert made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertIds {
    /// From the insert's own `RETURNING id` rows: one statement.
    Returning,
    /// From `LAST_INSERT_ID()`, read by a second statement on the same connection right after
    /// the insert ([`last_insert_id_queries`]).
    LastInsertId,
}

/// The insert of `jobs` without its `RETURNING` clause, and the query to run right after it on
/// the same connection, whose row [`ids_from_last_insert_id`] reads.
pub fn last_insert_id_queries(dialect: Dialect, jobs: &[NewJob]) -> Result<(Query, Query)> {
    let insert = insert_query(dialect, jobs)?;
    let unsupported = || Error::Unsupported {
        operation: "reading inserted ids with LAST_INSERT_ID()".to_owned(),
        dialect: dialect.name(),
    };
    let sql = insert
        .sql
        .trim_end()
        .strip_suffix("RETURNING id")
        .ok_or_else(unsupported)?;
    let ids = dialect
        .query("job_inserted_first_id", Vec::new(), RowShape::FirstInsertId)
        .map_err(|_| unsupported())?;
    let insert = Query {
        sql,
        shape: RowShape::Nothing,
        ..insert
    };
    Ok((insert, ids))
}

/// The ids of the `count` jobs one insert made, from the row of the second query of
/// [`last_insert_id_queries`].
///
/// ```
/// use tranq_core::{JobId, Row, Value, ids_from_last_insert_id};
///
/// // LAST_INSERT_ID() = 41, auto_increment_increment = 2, innodb_autoinc_lock_mode = 1
/// let row = Row(vec![Value::Int(41), Value::Int(2), Value::Int(1)]);
/// assert_eq!(ids_from_last_insert_id(vec![row], 3)?, vec![JobId(41), JobId(43), JobId(45)]);
/// # Ok::<(), tranq_core::Error>(())
/// ```
pub fn ids_from_last_insert_id(rows: Vec<Row>, count: usize) -> Result<Vec<JobId>> {
    let row = rows
        .first()
        .ok_or_else(|| Error::database_message("LAST_INSERT_ID() returned no row"))?;
    let (first, step, lock_mode) = (row.int(0)?, row.int(1)?, row.int(2)?);
    if first <= 0 {
        return Err(Error::database_message("the insert made no row"));
    }
    if count > 1 && lock_mode >= 2 {
        return Err(Error::Config(format!(
            "the server runs with innodb_autoinc_lock_mode = {lock_mode}, under which the ids \
             of one multi-row insert need not be consecutive, and this connection cannot read \
             them from INSERT ... RETURNING (sync Diesel on MariaDB): set \
             innodb_autoinc_lock_mode = 1 (MariaDB's default), enqueue one job per call, or \
             use the diesel-async adapter; then roll this transaction back (returning the \
             error from `conn.transaction` does)"
        )));
    }
    Ok((0..count)
        .map(|i| JobId(first + step.max(1) * i as i64))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Value;

    fn first_id_row(first: i64, step: i64, lock_mode: i64) -> Vec<Row> {
        vec![Row(vec![
            Value::Int(first),
            Value::Int(step),
            Value::Int(lock_mode),
        ])]
    }

    #[test]
    fn the_mysql_insert_loses_only_its_returning_clause() {
        let (insert, first_id) =
            last_insert_id_queries(Dialect::MySql, &[]).expect("MySQL reads LAST_INSERT_ID()");
        let with_returning = insert_query(Dialect::MySql, &[]).expect("MySQL insert");
        assert!(!insert.sql.contains("RETURNING"));
        assert!(with_returning.sql.starts_with(insert.sql));
        assert_eq!(insert.params, with_returning.params);
        assert_eq!(insert.shape, RowShape::Nothing);
        assert!(first_id.sql.contains("LAST_INSERT_ID()"));
        assert_eq!(first_id.shape, RowShape::FirstInsertId);
    }

    #[test]
    fn one_job_is_read_back_under_every_lock_mode() {
        for mode in 0..=2 {
            let ids = ids_from_last_insert_id(first_id_row(7, 1, mode), 1).expect("one id");
            assert_eq!(ids, vec![JobId(7)]);
        }
    }

    #[test]
    fn many_jobs_under_interleaved_lock_mode_are_a_config_error() {
        let err = ids_from_last_insert_id(first_id_row(7, 1, 2), 3).expect_err("lock mode 2");
        assert!(matches!(err, Error::Config(ref m) if m.contains("innodb_autoinc_lock_mode = 1")));
    }

    #[test]
    fn an_insert_that_made_no_row_is_an_error() {
        assert!(ids_from_last_insert_id(first_id_row(0, 1, 1), 1).is_err());
        assert!(ids_from_last_insert_id(Vec::new(), 1).is_err());
    }
}
