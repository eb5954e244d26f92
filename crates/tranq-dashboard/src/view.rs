//! The page frame every page shares (navigation, inline CSS, sign-in state), the headers every
//! response carries, and small pieces: times, state badges, action buttons.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY};
use axum::http::{HeaderValue, StatusCode, Uri, request::Parts};
use axum::response::Response;
use maud::{DOCTYPE, Markup, html};
use tranq_core::{JobId, JobState};

use crate::auth::Access;

/// No script may run, nothing may load from elsewhere, no other site may frame the pages.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = r#"
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center}
header a{color:#cfd6e4;text-decoration:none}header a.on{color:#fff;font-weight:600}
header .who{margin-left:auto;display:flex;gap:.6em;align-items:center}
main{padding:1em 1.2em;max-width:1200px}
table{border-collapse:collapse;background:#fff;width:100%;margin:.6em 0}
th,td{border-bottom:1px solid #e3e6eb;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#eef0f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#fff;border:1px solid #e3e6eb;padding:.6em;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
.state{display:inline-block;padding:0 .5em;border-radius:.7em;font-size:.9em;background:#e3e6eb}
.state.available{background:#dbeafe}.state.running{background:#fde68a}.state.retryable{background:#fed7aa}
.state.completed{background:#bbf7d0}.state.discarded{background:#fecaca}.state.cancelled{background:#e5e7eb}
form.inline{display:inline}button{cursor:pointer}
.flash{background:#dcfce7;border:1px solid #86efac;padding:.4em .8em}
.muted{color:#6b7280}.error{color:#991b1b}
.chart svg{background:#fff;border:1px solid #e3e6eb}.chart .axis{stroke:#9ca3af}
rect.completed,.key.completed{fill:#22c55e;color:#15803d}rect.discarded,.key.discarded{fill:#ef4444;color:#b91c1c}
rect.cancelled,.key.cancelled{fill:#9ca3af;color:#4b5563}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0}
"#;

/// What a page needs to know about its request: where the dashboard is mounted, and whether
/// the operator may write.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The path the router is mounted at, without a trailing slash ("" at the root).
    pub(crate) base: String,
    pub(crate) access: Access,
}

impl Ctx {
    /// A path inside the dashboard: `ctx.url("/jobs")`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The path the router is mounted at: the original path less the path the router saw.
pub(crate) fn base(parts: &Parts) -> String {
    let original = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |o| &o.0);
    mount_point(original, &parts.uri)
}

fn mount_point(original: &Uri, inner: &Uri) -> String {
    let (original, inner) = (original.path(), inner.path());
    let base = if inner == "/" {
        original.trim_end_matches('/')
    } else {
        original.strip_suffix(inner).unwrap_or("")
    };
    base.to_owned()
}

/// Which item of the navigation is lit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Queues,
    Jobs,
    Failures,
    None,
}

/// The frame of every page.
pub(crate) fn page(ctx: &Ctx, nav: Nav, title: &str, body: Markup) -> Markup {
    let item = |n: Nav, path: &str, label: &str| {
        html! { a class=[(nav == n).then_some("on")] href=(ctx.url(path)) { (label) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · tranq" }
                style { (maud::PreEscaped(CSS)) }
            }
            body {
                header {
                    strong { "tranq" }
                    (item(Nav::Queues, "/", "Queues"))
                    (item(Nav::Jobs, "/jobs", "Jobs"))
                    (item(Nav::Failures, "/failures", "Failures"))
                    span.who {
                        @match &ctx.access {
                            Access::ReadOnly => span.muted { "read-only" },
                            Access::SignedOut => a href=(ctx.url("/login")) { "Sign in to make changes" },
                            Access::SignedIn(session) => {
                                span { "signed in" }
                                form.inline method="post" action=(ctx.url("/logout")) {
                                    input type="hidden" name="csrf" value=(session.csrf);
                                    button type="submit" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// A page for a failed request, without the navigation (its mount point may be unknown).
pub(crate) fn error_page(status: StatusCode, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { (status) " · tranq" } style { (maud::PreEscaped(CSS)) } }
            body { main { h1 { (status) } p.error { (message) } } }
        }
    }
}

/// A POST button for `action` on the job `id`, when signed in.
pub(crate) fn action_button(ctx: &Ctx, id: JobId, action: &str, label: &str) -> Markup {
    let Access::SignedIn(session) = &ctx.access else {
        return html! {};
    };
    html! {
        form.inline method="post" action=(ctx.url(&format!("/jobs/{}/{action}", id.0))) {
            input type="hidden" name="csrf" value=(session.csrf);
            button type="submit" name="action" value=(action) { (label) }
        }
    }
}

/// The actions that apply to a job in `state`.
pub(crate) fn actions_for(state: JobState) -> &'static [(&'static str, &'static str)] {
    match state {
        JobState::Available | JobState::Retryable => {
            &[("cancel", "Cancel"), ("discard", "Discard")]
        }
        JobState::Running => &[("cancel", "Cancel")],
        JobState::Discarded | JobState::Cancelled => &[("retry", "Retry")],
        _ => &[],
    }
}

/// A state as a coloured badge.
pub(crate) fn state(state: JobState) -> Markup {
    html! { span class={"state " (state.as_str())} { (state.as_str()) } }
}

/// Microseconds since the epoch as UTC text.
pub(crate) fn time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us).map_or_else(
        || format!("{us} µs"),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// The current time in microseconds since the epoch.
pub(crate) fn now_us() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Adds the headers every response carries. The referrer policy is `same-origin`, not
/// `no-referrer`: under `no-referrer` browsers send `Origin: null` with a form's POST, which
/// [`same_site`](crate::auth::same_site) refuses.
pub(crate) async fn secure_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mount_point_is_the_original_path_less_the_routed_one() {
        let at = |o: &str, i: &str| mount_point(&o.parse().expect("uri"), &i.parse().expect("uri"));
        assert_eq!(at("/jobs/3", "/jobs/3"), "");
        assert_eq!(at("/admin/q/jobs/3", "/jobs/3"), "/admin/q");
        assert_eq!(at("/admin/q", "/"), "/admin/q");
        assert_eq!(at("/admin/q/", "/"), "/admin/q");
        assert_eq!(at("/", "/"), "");
    }
}
