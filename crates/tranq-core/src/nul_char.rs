//! NUL characters, which PostgreSQL's `text` and `jsonb` cannot hold: enqueue refuses them in
//! arguments and tags, the worker replaces them in results and error messages.

use serde_json::Value;

/// The NUL character.
pub(crate) const NUL: char = '\0';

/// Whether a JSON value holds NUL in a string or an object key.
pub(crate) fn value_has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains(NUL),
        Value::Array(items) => items.iter().any(value_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains(NUL) || value_has_nul(v)),
        _ => false,
    }
}

/// Whether JSON text holds NUL in a string or key. serde_json writes NUL as `\u0000`; the text
/// is parsed only when that sequence appears (it may be an escaped backslash).
pub(crate) fn json_text_has_nul(json: &str) -> bool {
    json.contains("\\u0000")
        && serde_json::from_str::<Value>(json).is_ok_and(|value| value_has_nul(&value))
}
