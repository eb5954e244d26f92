//! Unique jobs: which key a job holds and in which of its states.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::nul_char::NUL;

/// `unique_states` bit of each job state, as the schema's unique index reads them.
const AVAILABLE: u8 = 1;
const RUNNING: u8 = 2;
const RETRYABLE: u8 = 4;
const COMPLETED: u8 = 8;

/// The live states: available (scheduled ones included), running, retryable.
pub(crate) const LIVE: u8 = AVAILABLE | RUNNING | RETRYABLE;

/// Every state: a key held for good (until the job is pruned), as periodic ticks are.
pub(crate) const EVERY_STATE: u8 = 0b11_1111;

/// Longest stored key, in bytes (the MySQL column is `VARCHAR(255)`).
pub const MAX_UNIQUE_KEY_BYTES: usize = 255;

/// The unique options of one enqueue call.
#[derive(Debug, Clone, Default)]
pub(crate) struct UniqueOptions {
    pub(crate) key: Option<String>,
    pub(crate) period: Option<Duration>,
}

impl UniqueOptions {
    /// The key to store and the states it covers, from the explicit key, or else the key the
    /// task derives from its arguments; `None` for a job that is not unique.
    pub(crate) fn resolve(
        &self,
        task: &'static str,
        derived: impl FnOnce() -> Option<String>,
    ) -> Result<(Option<String>, Option<u8>)> {
        let key = self.key.clone().or_else(derived);
        let (key, states) = match (key, self.period) {
            (None, None) => return Ok((None, None)),
            (Some(key), None) => (key, LIVE),
            (key, Some(period)) => {
                let secs = period.as_secs();
                if secs == 0 {
                    return Err(invalid(
                        task,
                        "the unique period is under one second".into(),
                    ));
                }
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let window = now - now % secs;
                (
                    format!("{}@{window}/{secs}", key.unwrap_or_default()),
                    LIVE | COMPLETED,
                )
            }
        };
        if key.len() > MAX_UNIQUE_KEY_BYTES {
            return Err(invalid(
                task,
                format!(
                    "it is {} bytes, longer than {MAX_UNIQUE_KEY_BYTES}: use a shorter key or a \
                     hash of it",
                    key.len()
                ),
            ));
        }
        if key.contains(NUL) {
            return Err(invalid(task, "it contains a NUL character".into()));
        }
        Ok((Some(key), Some(states)))
    }
}

fn invalid(task: &'static str, reason: String) -> Error {
    Error::InvalidUniqueKey { task, reason }
}

/// The key `#[task(unique = [a, b])]` derives: each field as `name=json`, joined by `,`.
/// Not public API.
#[doc(hidden)]
pub fn key_of_fields(fields: &[(&str, serde_json::Result<String>)]) -> Option<String> {
    let mut key = String::new();
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            key.push(',');
        }
        key.push_str(name);
        key.push('=');
        key.push_str(value.as_deref().unwrap_or("?"));
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_makes_one_key_per_window_and_covers_completed_jobs() {
        let options = UniqueOptions {
            key: Some("report".into()),
            period: Some(Duration::from_secs(3600)),
        };
        let (key, states) = options.resolve("t", || None).expect("valid");
        let key = key.expect("a key");
        assert!(
            key.starts_with("report@") && key.ends_with("/3600"),
            "{key}"
        );
        let window: u64 = key["report@".len()..key.len() - "/3600".len()]
            .parse()
            .expect("window start");
        assert_eq!(window % 3600, 0);
        assert_eq!(states, Some(LIVE | COMPLETED));
    }

    #[test]
    fn the_explicit_key_wins_over_the_derived_one_and_bad_keys_are_refused() {
        let options = UniqueOptions {
            key: Some("mine".into()),
            period: None,
        };
        let resolved = options
            .resolve("t", || Some("derived".into()))
            .expect("valid");
        assert_eq!(resolved, (Some("mine".into()), Some(LIVE)));
        let plain = UniqueOptions::default();
        assert_eq!(plain.resolve("t", || None).expect("valid"), (None, None));
        let long = UniqueOptions {
            key: Some("x".repeat(256)),
            period: None,
        };
        assert!(matches!(
            long.resolve("t", || None),
            Err(Error::InvalidUniqueKey { task: "t", .. })
        ));
        let zero = UniqueOptions {
            key: None,
            period: Some(Duration::from_millis(10)),
        };
        assert!(zero.resolve("t", || None).is_err());
    }

    #[test]
    fn fields_make_a_readable_key() {
        let key = key_of_fields(&[("order_id", Ok("42".into())), ("kind", Ok("\"a\"".into()))]);
        assert_eq!(key.as_deref(), Some("order_id=42,kind=\"a\""));
    }
}
