//! What goes wrong in the demo, decided per order by a hash of its reference, so that every run
//! fails the same orders and the worker process decides the same way as the web process.

/// Share of orders whose card is declined after the order row was written (the request fails,
/// the transaction rolls back).
pub(crate) const DECLINE_RATE: f64 = 0.10;

/// Share of invoices whose first attempt fails (the mail provider times out) and is retried.
pub(crate) const FLAKY_RATE: f64 = 0.05;

/// True when the card of order `order_ref` is declined.
pub(crate) fn card_declined(order_ref: i64) -> bool {
    roll(order_ref, 1) < DECLINE_RATE
}

/// True when the mail provider fails the first attempt to send the invoice of `order_ref`.
pub(crate) fn provider_flaky(order_ref: i64) -> bool {
    roll(order_ref, 2) < FLAKY_RATE
}

/// A number in [0, 1) from `order_ref` and `salt` (splitmix64).
fn roll(order_ref: i64, salt: u64) -> f64 {
    let mut z = (order_ref as u64)
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_close_to_their_targets() {
        let declined = (0..10_000).filter(|&r| card_declined(r)).count();
        let flaky = (0..10_000).filter(|&r| provider_flaky(r)).count();
        assert!((800..1200).contains(&declined), "{declined}");
        assert!((350..650).contains(&flaky), "{flaky}");
    }
}
