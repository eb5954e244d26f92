//! Concurrency keys: what a per-key concurrency limit
//! ([`WorkerBuilder::concurrency_per_key`](crate::WorkerBuilder::concurrency_per_key)) counts
//! a job under. The key travels in the job's `metadata` JSON (`concurrency_key`), which the
//! claim of a queue with such a limit reads; no column or index of its own.

use crate::error::{Error, Result};
use crate::nul_char::NUL;

/// Longest concurrency key, in bytes.
pub const MAX_CONCURRENCY_KEY_BYTES: usize = 255;

/// The key to store: the one given for this call, or else the one the task derives from its
/// arguments; checked.
pub(crate) fn resolve(
    task: &'static str,
    given: Option<&str>,
    derived: impl FnOnce() -> Option<String>,
) -> Result<Option<String>> {
    let Some(key) = given.map(str::to_owned).or_else(derived) else {
        return Ok(None);
    };
    let invalid = |reason: String| Error::InvalidConcurrencyKey { task, reason };
    if key.is_empty() {
        return Err(invalid("it is empty: leave it out for no key".into()));
    }
    if key.len() > MAX_CONCURRENCY_KEY_BYTES {
        return Err(invalid(format!(
            "it is {} bytes, longer than {MAX_CONCURRENCY_KEY_BYTES}: use a shorter key or a hash \
             of it",
            key.len()
        )));
    }
    if key.contains(NUL) {
        return Err(invalid("it contains a NUL character".into()));
    }
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_given_key_wins_and_bad_keys_say_why() {
        let derived = || Some("customer_id=7".to_owned());
        assert_eq!(
            resolve("t", Some("acme"), derived)
                .expect("valid")
                .as_deref(),
            Some("acme")
        );
        assert_eq!(
            resolve("t", None, derived).expect("valid").as_deref(),
            Some("customer_id=7")
        );
        assert_eq!(resolve("t", None, || None).expect("valid"), None);
        for bad in [String::new(), "x".repeat(256), "a\0b".to_owned()] {
            let error = resolve("t", Some(&bad), || None).expect_err("refused");
            assert!(
                matches!(error, Error::InvalidConcurrencyKey { task: "t", .. }),
                "{error}"
            );
        }
    }
}
