//! Prints a [`Report`] as a table, then the verdict.

use super::Report;

/// `12.3 ms`, or `-` without samples.
fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} ms"))
}

impl Report {
    /// Prints the table, then the verdict.
    pub(crate) fn print(&self) {
        let rolled_back = match self.failed {
            0 => "402 card declined after the insert".to_owned(),
            n => format!("402 card declined after the insert; {n} other errors"),
        };
        let arrivals = if self.rate > 0.0 {
            format!("orders arrived at {}/s", self.rate)
        } else {
            "orders as fast as answered".to_owned()
        };
        let rows = [
            (
                "orders placed",
                self.placed.to_string(),
                "POST /orders over HTTP".to_owned(),
            ),
            (
                "orders committed",
                self.committed.to_string(),
                "201, order row + job in one transaction".to_owned(),
            ),
            (
                "orders rolled back",
                (self.declined + self.failed).to_string(),
                rolled_back,
            ),
            (
                "invoices sent",
                self.invoices.to_string(),
                "by the send_invoice task".to_owned(),
            ),
            (
                "jobs lost",
                self.lost.to_string(),
                "committed orders without an invoice (must be 0)".to_owned(),
            ),
            (
                "ghost invoices",
                self.ghosts.to_string(),
                "invoices for rolled-back orders (must be 0)".to_owned(),
            ),
            (
                "jobs completed",
                self.jobs_completed.to_string(),
                format!("of {}", self.jobs_expected),
            ),
            (
                "retries",
                self.retries.to_string(),
                format!(
                    "{} provider errors, {} after their worker was killed",
                    self.provider_errors, self.lease_expiries
                ),
            ),
            (
                "duplicates suppressed",
                self.duplicates.to_string(),
                "reruns that found their invoice already sent".to_owned(),
            ),
            (
                "worker restarts",
                self.restarts.to_string(),
                "SIGKILL mid-run, then a new process".to_owned(),
            ),
            (
                "throughput",
                format!("{:.0}", self.jobs_per_s),
                format!("jobs/s, first order to last invoice; {arrivals}"),
            ),
            (
                "pickup latency p50",
                ms(self.pickup_p50_ms),
                format!(
                    "commit -> handler start, {} first attempts",
                    self.pickup_samples
                ),
            ),
            (
                "pickup latency p99",
                ms(self.pickup_p99_ms),
                self.wake_up.clone(),
            ),
            (
                "elapsed",
                format!("{:.1} s", self.elapsed.as_secs_f64()),
                String::new(),
            ),
        ];
        println!();
        for (label, value, note) in rows {
            println!("  {label:<24}{value:>10}   {note}");
        }
        if let Some(error) = &self.first_error {
            println!("  first other error: {error}");
        }
        println!();
        if self.failures.is_empty() {
            println!(
                "ok: every committed order was invoiced exactly once, no rolled-back order was"
            );
        }
        for failure in &self.failures {
            println!("FAILED: {failure}");
        }
    }
}
