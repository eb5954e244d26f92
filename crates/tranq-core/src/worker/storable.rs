//! What a task hands back is made storable before it is written: a message or result the
//! database refuses would be retried forever and its job never finished.
//!
//! - Error messages longer than [`MAX_ERROR_MESSAGE_BYTES`] are cut, with a marker.
//! - A result whose JSON is longer than [`MAX_RESULT_BYTES`] is replaced by a note saying so
//!   (MariaDB refuses statements over `max_allowed_packet`, and one refused result would hold
//!   back every completion stored with it).
//! - NUL characters become U+FFFD on every database: PostgreSQL's `text` and `jsonb` cannot hold
//!   them, and a job should read back the same wherever it ran.

use serde_json::Value;

use crate::nul_char::{NUL, value_has_nul};

/// Longest error message stored per attempt; longer ones are cut with a marker.
pub const MAX_ERROR_MESSAGE_BYTES: usize = 8 * 1024;

const REPLACEMENT: &str = "\u{FFFD}";

/// An error message as it is logged and stored.
pub(crate) fn message(message: String) -> String {
    truncate(without_nul(message))
}

/// Largest JSON of a task's return value that is stored: 1 MiB. A larger one is replaced by
/// `{"tranq_result_dropped": "<why>"}` and the job completes.
pub const MAX_RESULT_BYTES: usize = 1024 * 1024;

/// A task's return value as it is stored, and the length of its JSON.
pub(crate) fn result(value: Value) -> (Value, usize) {
    let value = if value_has_nul(&value) {
        result_without_nul(value)
    } else {
        value
    };
    let bytes = json_len(&value);
    if bytes <= MAX_RESULT_BYTES {
        return (value, bytes);
    }
    let why = format!(
        "the result's JSON was {bytes} bytes, over the {MAX_RESULT_BYTES}-byte limit; store \
         large outputs in your own tables and return their key"
    );
    tracing::warn!(%why, "tranq: result not stored");
    let note = serde_json::json!({ "tranq_result_dropped": why });
    let bytes = json_len(&note);
    (note, bytes)
}

/// Length of the JSON text of `value`, counted without building it.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing a `Value` cannot fail, and the counter never does.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

fn result_without_nul(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(without_nul(s)),
        Value::Array(items) => Value::Array(items.into_iter().map(result_without_nul).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (without_nul(key), result_without_nul(value)))
                .collect(),
        ),
        other => other,
    }
}

fn without_nul(text: String) -> String {
    if text.contains(NUL) {
        text.replace(NUL, REPLACEMENT)
    } else {
        text
    }
}

fn truncate(mut message: String) -> String {
    if message.len() > MAX_ERROR_MESSAGE_BYTES {
        let mut cut = MAX_ERROR_MESSAGE_BYTES;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        let dropped = message.len() - cut;
        message.truncate(cut);
        message.push_str(&format!("… [{dropped} more bytes truncated]"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        let long = "é".repeat(MAX_ERROR_MESSAGE_BYTES);
        let cut = message(long);
        assert!(cut.len() < MAX_ERROR_MESSAGE_BYTES + 64);
        assert!(cut.ends_with("bytes truncated]"));
        assert_eq!(message("short".into()), "short");
    }

    #[test]
    fn nul_characters_become_replacement_characters_everywhere_in_a_result() {
        let (stored, bytes) = result(json!({"a\0": ["x\0y", 1, {"k": "\0"}], "n": null}));
        assert_eq!(
            bytes,
            serde_json::to_string(&stored).unwrap_or_default().len()
        );
        assert_eq!(
            stored,
            json!({"a\u{FFFD}": ["x\u{FFFD}y", 1, {"k": "\u{FFFD}"}], "n": null})
        );
        assert_eq!(message("bad\0byte".into()), "bad\u{FFFD}byte");
    }

    #[test]
    fn a_result_over_the_limit_is_replaced_by_a_note() {
        let small = json!("x".repeat(MAX_RESULT_BYTES - 2));
        assert_eq!(
            result(small.clone()),
            (small, MAX_RESULT_BYTES),
            "at the limit: kept"
        );
        let (big, _) = result(json!("x".repeat(MAX_RESULT_BYTES)));
        let why = big["tranq_result_dropped"].as_str().unwrap_or_default();
        assert!(
            why.contains(&format!("{} bytes", MAX_RESULT_BYTES + 2)),
            "{why}"
        );
    }
}
