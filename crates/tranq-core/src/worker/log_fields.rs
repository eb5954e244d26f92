//! Durations as log fields: milliseconds rounded to two decimals, so that a log line reads
//! `took_ms=0.19`, not `took_ms=0.19351700000000002`.

use std::time::Duration;

/// `d` in milliseconds, rounded to hundredths.
pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_are_rounded_to_hundredths() {
        assert_eq!(ms(Duration::from_nanos(193_517)).to_string(), "0.19");
        assert_eq!(ms(Duration::from_micros(1_235)).to_string(), "1.24");
        assert_eq!(ms(Duration::from_secs(2)).to_string(), "2000");
        assert_eq!(ms(Duration::ZERO).to_string(), "0");
    }
}
