//! The throughput chart: finished jobs per minute over the last hour, as inline SVG bars.

use maud::{Markup, html};
use tranq_core::Throughput;

/// How far back the chart looks, in buckets.
pub(crate) const BUCKETS: i64 = 60;
/// One bucket, in microseconds.
pub(crate) const BUCKET_US: i64 = 60_000_000;

const WIDTH: i64 = 600;
const HEIGHT: i64 = 120;

/// Bars for `buckets` (as [`SqlStore::throughput`](tranq_core::SqlStore::throughput) gives
/// them), the last bar being the bucket of `now_us`; stacked completed, discarded, cancelled.
pub(crate) fn throughput(buckets: &[Throughput], now_us: i64) -> Markup {
    let last = now_us.div_euclid(BUCKET_US);
    let first = last - BUCKETS + 1;
    let mut bars = vec![[0u64; 3]; usize::try_from(BUCKETS).unwrap_or(0)];
    for b in buckets {
        let index = b.start_us.div_euclid(BUCKET_US) - first;
        // Clocks of server and database may disagree: a bucket outside the window is left out.
        if let Some(bar) = usize::try_from(index).ok().and_then(|i| bars.get_mut(i)) {
            *bar = [b.completed, b.discarded, b.cancelled];
        }
    }
    let peak = bars
        .iter()
        .map(|b| b.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let total: u64 = bars.iter().flatten().sum();
    let bar_width = WIDTH / BUCKETS;
    let scale = |n: u64| i64::try_from(n.saturating_mul(HEIGHT as u64) / peak).unwrap_or(HEIGHT);
    html! {
        figure.chart {
            svg width=(WIDTH) height=(HEIGHT + 2) viewBox={"0 0 " (WIDTH) " " (HEIGHT + 2)}
                role="img" aria-label={"Jobs finished per minute over the last hour: " (total)} {
                line x1="0" y1=(HEIGHT + 1) x2=(WIDTH) y2=(HEIGHT + 1) class="axis" {}
                @for (i, bar) in (0i64..).zip(&bars) {
                    @let mut top = HEIGHT;
                    @for (count, class) in bar.iter().zip(["completed", "discarded", "cancelled"]) {
                        @if *count > 0 {
                            @let h = scale(*count).max(1);
                            @let y = { top -= h; top };
                            rect x=(i * bar_width) y=(y) width=(bar_width - 1) height=(h) class=(class) {
                                title { (count) " " (class) ", " (BUCKETS - 1 - i) " min ago" }
                            }
                        }
                    }
                }
            }
            figcaption {
                "Finished per minute, last hour (peak " (peak) "): "
                span.key.completed { "completed" } " "
                span.key.discarded { "discarded" } " "
                span.key.cancelled { "cancelled" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(start_us: i64, completed: u64) -> Throughput {
        let mut b = Throughput::for_test(start_us);
        b.completed = completed;
        b
    }

    #[test]
    fn the_last_bar_is_now_and_buckets_outside_the_hour_are_left_out() {
        let now = 100 * BUCKET_US + 5;
        let svg = throughput(
            &[
                bucket(100 * BUCKET_US, 4),
                bucket(99 * BUCKET_US, 2),
                bucket(10 * BUCKET_US, 7),
                bucket(200 * BUCKET_US, 9),
            ],
            now,
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), 2, "{svg}");
        assert!(svg.contains("4 completed, 0 min ago"), "{svg}");
        assert!(svg.contains("2 completed, 1 min ago"), "{svg}");
        assert!(svg.contains("peak 4"), "{svg}");
        assert!(throughput(&[], now).into_string().contains("peak 1"));
    }
}
