//! Two progress bars (orders answered, invoices sent) and event lines above them. Hidden when
//! standard output is not a terminal; event lines are then printed plainly.

use std::io::IsTerminal as _;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The demo's live display. Cloning shares it.
#[derive(Clone)]
pub(crate) struct Progress {
    multi: MultiProgress,
    orders: ProgressBar,
    invoices: ProgressBar,
    visible: bool,
}

impl Progress {
    /// Bars for `orders` requests.
    pub(crate) fn new(orders: u64) -> Self {
        let visible = std::io::stdout().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stdout()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template(
            "{prefix:>9} [{bar:40.cyan/blue}] {pos:>6}/{len:<6} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let orders = multi.add(ProgressBar::new(orders).with_style(style.clone()));
        orders.set_prefix("orders");
        let invoices = multi.add(ProgressBar::new(0).with_style(style));
        invoices.set_prefix("invoices");
        Progress {
            multi,
            orders,
            invoices,
            visible,
        }
    }

    /// Redraws with the latest counts.
    pub(crate) fn update(&self, answered: u64, committed: u64, declined: u64, invoices: u64) {
        self.orders.set_position(answered);
        self.orders
            .set_message(format!("committed {committed}, declined {declined}"));
        self.invoices.set_length(committed.max(invoices));
        self.invoices.set_position(invoices);
        self.invoices.set_message("sent (one per committed order)");
    }

    /// Prints a line above the bars.
    pub(crate) fn println(&self, line: impl AsRef<str>) {
        if self.visible {
            let _ = self.multi.println(line);
        } else {
            println!("{}", line.as_ref());
        }
    }

    /// Leaves the bars on screen as they are.
    pub(crate) fn finish(&self) {
        self.orders.abandon();
        self.invoices.abandon();
    }
}
