//! [`Event`]: what the relay publishes, stored as a job's arguments.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One message for JetStream: a subject, a payload and headers. Stored as the arguments of a
/// [`Publish`](crate::Publish) job (the payload in base64).
///
/// ```
/// use tranq_relay::Event;
///
/// let event = Event::json("orders.created", &serde_json::json!({ "order": 42 }))?
///     .header("Order-Id", "42");
/// assert_eq!(event.subject, "orders.created");
/// assert_eq!(event.payload, br#"{"order":42}"#);
/// event.check()?;
/// # Ok::<(), tranq_relay::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The NATS subject; a stream of the JetStream server must cover it.
    pub subject: String,
    /// The message body.
    #[serde(with = "base64_bytes")]
    pub payload: Vec<u8>,
    /// Headers sent with the message, in order (`Nats-Msg-Id` is set by the relay).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

impl Event {
    /// An event of `payload` bytes on `subject`.
    pub fn new(subject: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Event {
            subject: subject.into(),
            payload: payload.into(),
            headers: Vec::new(),
        }
    }

    /// An event whose payload is `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(subject: impl Into<String>, value: &T) -> Result<Self> {
        let payload = serde_json::to_vec(value).map_err(|e| Error::Serialize(Box::new(e)))?;
        Ok(Event::new(subject, payload))
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Checks what NATS would refuse: the subject (non-empty, no whitespace, no empty token,
    /// no wildcard) and the headers (names of visible ASCII without `:`, values without line
    /// breaks). The relay cancels the job of an event that fails this, with the reason, never retrying.
    pub fn check(&self) -> Result<()> {
        let subject = |reason| Error::InvalidSubject {
            subject: self.subject.clone(),
            reason,
        };
        if self.subject.is_empty() {
            return Err(subject("it is empty"));
        }
        if self.subject.chars().any(char::is_whitespace) {
            return Err(subject("it contains whitespace"));
        }
        if self.subject.split('.').any(str::is_empty) {
            return Err(subject("it has an empty token"));
        }
        if self.subject.split('.').any(|t| t == "*" || t == ">") {
            return Err(subject("wildcards are for subscribing, not publishing"));
        }
        for (name, value) in &self.headers {
            let header = |reason| Error::InvalidHeader {
                name: name.clone(),
                reason,
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                return Err(header("names are visible ASCII characters without ':'"));
            }
            if value.contains(['\r', '\n']) {
                return Err(header("values cannot contain line breaks"));
            }
        }
        Ok(())
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_event_round_trips_through_its_stored_json() {
        let event = Event::new("a.b", vec![0_u8, 255, 10]).header("X-Trace", "t1");
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(
            json,
            r#"{"subject":"a.b","payload":"AP8K","headers":[["X-Trace","t1"]]}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), event);
    }

    #[test]
    fn bad_subjects_and_headers_are_refused_with_the_reason() {
        for (subject, reason) in [
            ("", "it is empty"),
            ("a b", "it contains whitespace"),
            ("a..b", "it has an empty token"),
            ("a.>", "wildcards are for subscribing, not publishing"),
        ] {
            let err = Event::new(subject, "x").check().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("invalid subject {subject:?}: {reason}")
            );
        }
        let err = Event::new("a", "x").header("A:B", "v").check().unwrap_err();
        assert!(matches!(err, Error::InvalidHeader { .. }), "{err}");
        let err = Event::new("a", "x")
            .header("A", "v\r\n")
            .check()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidHeader { .. }), "{err}");
    }
}
