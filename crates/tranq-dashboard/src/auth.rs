//! Who may write, and proof that a write was meant.
//!
//! When the router is built it draws a 64-byte key at random; nothing of it leaves the process,
//! so a restart signs everybody out. Signing in with the write token sets the session cookie
//! `<nonce>.<HMAC(key, "session", nonce)>` (`HttpOnly`, `SameSite=Strict`). Every form of a
//! signed-in page carries `csrf = HMAC(key, "csrf", nonce)`, and a write needs both: a valid
//! cookie and the form field that matches it. Another site can make a browser send the cookie
//! (were it not `SameSite`), but cannot read a page to learn the field. A POST whose `Origin`
//! (or `Sec-Fetch-Site`) says it came from another site is refused before any of this.
//! Comparisons of secrets are constant-time (`Mac::verify_slice`).

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::error::Failure;

type HmacSha256 = Hmac<Sha256>;

/// The session cookie's name.
pub(crate) const COOKIE_NAME: &str = "tranq_dashboard";

/// The process's key and the write token's MAC under it.
pub(crate) struct Keys {
    key: [u8; 64],
    /// `HMAC(key, "token", write token)`; `None` when writes are disabled.
    token: Option<Vec<u8>>,
}

/// What the signed-in operator's forms carry.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) csrf: String,
}

/// Whether the request may show write buttons.
#[derive(Debug, Clone)]
pub(crate) enum Access {
    /// No write token is configured.
    ReadOnly,
    /// Writes are possible after signing in.
    SignedOut,
    /// Signed in: forms carry this CSRF token.
    SignedIn(Session),
}

impl Keys {
    pub(crate) fn new(write_token: Option<&str>) -> Self {
        let mut key = [0u8; 64];
        rand::rng().fill_bytes(&mut key);
        let mut keys = Keys { key, token: None };
        keys.token = write_token.map(|t| keys.mac(b"token", t.as_bytes()).to_vec());
        keys
    }

    pub(crate) fn writable(&self) -> bool {
        self.token.is_some()
    }

    fn hmac(&self, purpose: &[u8], data: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new(&self.key.into());
        mac.update(purpose);
        mac.update(&[0]);
        mac.update(data);
        mac
    }

    fn mac(&self, purpose: &[u8], data: &[u8]) -> Vec<u8> {
        self.hmac(purpose, data).finalize().into_bytes().to_vec()
    }

    /// True when `given` is the write token.
    pub(crate) fn token_matches(&self, given: &str) -> bool {
        self.token.as_ref().is_some_and(|expected| {
            self.hmac(b"token", given.as_bytes())
                .verify_slice(expected)
                .is_ok()
        })
    }

    /// A new session: the cookie's value.
    pub(crate) fn new_session(&self) -> String {
        let mut nonce = [0u8; 16];
        rand::rng().fill_bytes(&mut nonce);
        let nonce = hex(&nonce);
        let mac = hex(&self.mac(b"session", nonce.as_bytes()));
        format!("{nonce}.{mac}")
    }

    /// The session nonce of a valid session cookie.
    fn session_nonce<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let value = cookie(headers, COOKIE_NAME)?;
        let (nonce, mac) = value.split_once('.')?;
        let mac = unhex(mac)?;
        self.hmac(b"session", nonce.as_bytes())
            .verify_slice(&mac)
            .is_ok()
            .then_some(nonce)
    }

    /// What the request may do, for showing pages.
    pub(crate) fn access(&self, headers: &HeaderMap) -> Access {
        if !self.writable() {
            return Access::ReadOnly;
        }
        match self.session_nonce(headers) {
            Some(nonce) => Access::SignedIn(Session {
                csrf: hex(&self.mac(b"csrf", nonce.as_bytes())),
            }),
            None => Access::SignedOut,
        }
    }

    /// Allows a write: writes enabled, same site, and either `Authorization: Bearer <token>`
    /// or a valid session cookie with its CSRF token in `csrf`.
    pub(crate) fn allow_write(
        &self,
        headers: &HeaderMap,
        csrf: Option<&str>,
    ) -> Result<(), Failure> {
        if !self.writable() {
            return Err(Failure::Forbidden(
                "this dashboard is read-only: start it with a write token to change jobs",
            ));
        }
        same_site(headers)?;
        if let Some(bearer) = bearer(headers) {
            return if self.token_matches(bearer) {
                Ok(())
            } else {
                Err(Failure::Forbidden("wrong write token"))
            };
        }
        let Some(nonce) = self.session_nonce(headers) else {
            return Err(Failure::Forbidden("sign in with the write token first"));
        };
        let valid = csrf.and_then(unhex).is_some_and(|given| {
            self.hmac(b"csrf", nonce.as_bytes())
                .verify_slice(&given)
                .is_ok()
        });
        if valid {
            Ok(())
        } else {
            Err(Failure::Forbidden(
                "the form's CSRF token is missing or wrong: reload the page and try again",
            ))
        }
    }
}

/// Refuses a request that says it comes from another site.
pub(crate) fn same_site(headers: &HeaderMap) -> Result<(), Failure> {
    const CROSS: &str = "a write from another site is refused";
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(Failure::Forbidden(CROSS));
    }
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(());
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, host)| host);
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(Failure::Forbidden(CROSS)),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let cookie = format!("other=1; {COOKIE_NAME}={value}");
        headers.insert(COOKIE, HeaderValue::from_str(&cookie).expect("ascii"));
        headers
    }

    #[test]
    fn a_session_needs_its_own_csrf_token() {
        let keys = Keys::new(Some("0123456789abcdef"));
        let headers = with_cookie(&keys.new_session());
        let Access::SignedIn(session) = keys.access(&headers) else {
            panic!("signed in");
        };
        assert!(keys.allow_write(&headers, Some(&session.csrf)).is_ok());
        assert!(keys.allow_write(&headers, None).is_err());
        assert!(keys.allow_write(&headers, Some("00")).is_err());
        // Another session's token does not fit this one.
        let other = with_cookie(&keys.new_session());
        assert!(keys.allow_write(&other, Some(&session.csrf)).is_err());
        // A cookie signed by another process's key is no session.
        let stranger = Keys::new(Some("0123456789abcdef"));
        assert!(matches!(stranger.access(&headers), Access::SignedOut));
    }

    #[test]
    fn the_token_matches_only_itself_and_another_origin_is_refused() {
        let keys = Keys::new(Some("0123456789abcdef"));
        assert!(keys.token_matches("0123456789abcdef"));
        assert!(!keys.token_matches("0123456789abcde"));
        assert!(!Keys::new(None).token_matches(""));
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        headers.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(same_site(&headers).is_ok());
        headers.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(same_site(&headers).is_err());
        assert_eq!(unhex("0aff"), Some(vec![10, 255]));
        assert_eq!(unhex("0g"), None);
    }
}
