//! How commands print: aligned tables and plain lines for people, JSON for scripts.

use std::io::{self, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tranq::{JobInfo, JobTimes, QueueStats};

/// A table with a header row, its columns padded to their widest cell.
#[derive(Debug)]
pub(crate) struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    right: Vec<usize>,
}

impl Table {
    /// An empty table with these column titles.
    pub(crate) fn new(header: Vec<&'static str>) -> Self {
        Table {
            header,
            rows: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Aligns these columns (by index) to the right, as numbers read best.
    pub(crate) fn right(mut self, columns: &[usize]) -> Self {
        self.right = columns.to_vec();
        self
    }

    /// Adds a row, one cell per column.
    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Writes the header and the rows, two spaces between columns, no trailing spaces.
    pub(crate) fn write(&self, out: &mut impl Write) -> io::Result<()> {
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(cell.chars().count());
                }
            }
        }
        for row in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let width = widths.get(i).copied().unwrap_or(0);
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right.contains(&i) {
                    line.push_str(&format!("{cell:>width$}"));
                } else {
                    line.push_str(&format!("{cell:<width$}"));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Writes `value` as pretty JSON and a newline.
pub(crate) fn write_json(out: &mut impl Write, value: &Value) -> Result<(), crate::CliError> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Microseconds since 1970 as an RFC 3339 UTC time, to the microsecond.
pub(crate) fn time(us: i64) -> String {
    humantime::format_rfc3339_micros(system_time(us)).to_string()
}

/// Microseconds since 1970 as an RFC 3339 UTC time, to the second (for tables).
pub(crate) fn time_short(us: i64) -> String {
    humantime::format_rfc3339_seconds(system_time(us)).to_string()
}

fn system_time(us: i64) -> SystemTime {
    match u64::try_from(us) {
        Ok(us) => UNIX_EPOCH + Duration::from_micros(us),
        Err(_) => UNIX_EPOCH,
    }
}

/// A wait for people, in its two largest units: `2d 4h`, `1h 3m`, `3m 12s`, `9s`, `450ms`.
pub(crate) fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => format!("{}ms", d.subsec_millis()),
        1..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86400, s % 86400 / 3600),
    }
}

/// A job as JSON: every field of [`JobInfo`], times as RFC 3339 text, and `times` when given.
pub(crate) fn job_json(job: &JobInfo, times: Option<&JobTimes>) -> Value {
    let mut value = json!({
        "id": job.id.0,
        "queue": job.queue,
        "task": job.task,
        "state": job.state.as_str(),
        "priority": job.priority,
        "attempt": job.attempt,
        "max_attempts": job.max_attempts,
        "run_at": time(job.run_at_us),
        "args": job.args,
        "errors": job.errors.iter().map(|e| json!({
            "attempt": e.attempt,
            "at": e.at,
            "message": e.message,
        })).collect::<Vec<_>>(),
        "tags": job.tags,
        "result": job.result,
    });
    if let (Some(times), Value::Object(map)) = (times, &mut value) {
        let optional = |us: Option<i64>| us.map(time);
        map.insert("created_at".into(), json!(time(times.created_at_us)));
        map.insert(
            "attempted_at".into(),
            json!(optional(times.attempted_at_us)),
        );
        map.insert("finished_at".into(), json!(optional(times.finished_at_us)));
        map.insert(
            "lease_expires_at".into(),
            json!(optional(times.lease_expires_at_us)),
        );
        map.insert("lease_owner".into(), json!(times.lease_owner));
    }
    value
}

/// One queue's statistics as JSON; `oldest_due_ms` is null when no job is due.
pub(crate) fn queue_json(q: &QueueStats) -> Value {
    json!({
        "queue": q.queue,
        "available": q.available,
        "scheduled": q.scheduled,
        "running": q.running,
        "retryable": q.retryable,
        "completed": q.completed,
        "discarded": q.discarded,
        "cancelled": q.cancelled,
        "total": q.total(),
        "oldest_due_ms": q.oldest_due.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        "finished_last_minute": q.finished_last_minute,
    })
}

/// The per-queue table of `tranq queues` and `tranq stats`.
pub(crate) fn queue_table(queues: &[QueueStats]) -> Table {
    let mut table = Table::new(vec![
        "QUEUE",
        "AVAILABLE",
        "SCHEDULED",
        "RUNNING",
        "RETRYABLE",
        "COMPLETED",
        "DISCARDED",
        "CANCELLED",
        "OLDEST DUE",
        "DONE/MIN",
    ])
    .right(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for q in queues {
        table.row(vec![
            q.queue.clone(),
            q.available.to_string(),
            q.scheduled.to_string(),
            q.running.to_string(),
            q.retryable.to_string(),
            q.completed.to_string(),
            q.discarded.to_string(),
            q.cancelled.to_string(),
            q.oldest_due.map_or_else(|| "-".to_owned(), age),
            q.finished_last_minute.to_string(),
        ]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_columns_and_align_numbers_right() {
        let mut table = Table::new(vec!["NAME", "N"]).right(&[1]);
        table.row(vec!["default".into(), "12".into()]);
        table.row(vec!["b".into(), "3".into()]);
        let mut out = Vec::new();
        table.write(&mut out).expect("writes to a Vec");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "NAME      N\ndefault  12\nb         3\n"
        );
    }

    #[test]
    fn times_and_ages_read_as_people_write_them() {
        assert_eq!(time(1_500_000), "1970-01-01T00:00:01.500000Z");
        assert_eq!(time_short(61_000_000), "1970-01-01T00:01:01Z");
        assert_eq!(age(Duration::from_micros(63_400_000)), "1m 3s");
        assert_eq!(age(Duration::from_micros(450_700)), "450ms");
        assert_eq!(age(Duration::from_secs(3 * 86400 + 5 * 3600 + 7)), "3d 5h");
        assert_eq!(age(Duration::from_secs(3600 + 120)), "1h 2m");
    }
}
