//! The pages: queues, jobs, one job, failures, sign-in. Each reads through the store's lookup
//! API and renders with maud, which escapes every value.

use std::convert::Infallible;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use maud::{Markup, html};
use serde::Deserialize;
use tranq_core::{Backend, JobFilter, JobId, JobState};

use crate::St;
use crate::auth::Access;
use crate::chart;
use crate::error::Failure;
use crate::view::{self, Ctx, Nav};

/// Jobs per page of the jobs list.
pub(crate) const PAGE: u32 = 50;

/// What a handler reads of its request: the mount point and the headers.
pub(crate) struct Req {
    pub(crate) base: String,
    pub(crate) headers: HeaderMap,
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Req {
            base: view::base(parts),
            headers: parts.headers.clone(),
        })
    }
}

impl Req {
    pub(crate) fn ctx<B>(&self, shared: &crate::Shared<B>) -> Ctx {
        Ctx {
            base: self.base.clone(),
            access: shared.keys.access(&self.headers),
        }
    }
}

/// `/`: every queue's counts by state, and the throughput chart.
pub(crate) async fn queues<B: Backend>(State(shared): St<B>, req: Req) -> Result<Markup, Failure> {
    let ctx = req.ctx(&shared);
    let stats = shared.store.queue_stats().await?;
    let window = std::time::Duration::from_micros(
        u64::try_from(chart::BUCKETS * chart::BUCKET_US).unwrap_or(0),
    );
    let bucket = std::time::Duration::from_micros(u64::try_from(chart::BUCKET_US).unwrap_or(0));
    let throughput = shared.store.throughput(window, bucket).await?;
    let jobs = |queue: &str, state: Option<JobState>| {
        let mut url = format!("{}?queue={}", ctx.url("/jobs"), encode(queue));
        if let Some(state) = state {
            url.push_str("&state=");
            url.push_str(state.as_str());
        }
        url
    };
    let body = html! {
        (chart::throughput(&throughput, view::now_us()))
        @if stats.is_empty() {
            p.muted { "No jobs yet." }
        } @else {
            table {
                thead { tr {
                    th { "Queue" } th { "available" } th { "of which scheduled" } th { "running" }
                    th { "retryable" } th { "completed" } th { "discarded" } th { "cancelled" }
                    th { "oldest due" } th { "finished last minute" }
                } }
                tbody {
                    @for q in &stats {
                        tr {
                            td { a href=(jobs(&q.queue, None)) { (q.queue) } }
                            @for (count, state) in [
                                (q.available, Some(JobState::Available)), (q.scheduled, None),
                                (q.running, Some(JobState::Running)), (q.retryable, Some(JobState::Retryable)),
                                (q.completed, Some(JobState::Completed)), (q.discarded, Some(JobState::Discarded)),
                                (q.cancelled, Some(JobState::Cancelled)),
                            ] {
                                td.n {
                                    @match state {
                                        Some(s) if count > 0 => a href=(jobs(&q.queue, Some(s))) { (count) },
                                        _ => (count),
                                    }
                                }
                            }
                            td.n { @match q.oldest_due { Some(d) => (format!("{:.1} s", d.as_secs_f64())), None => "–" } }
                            td.n { (q.finished_last_minute) }
                        }
                    }
                }
            }
        }
    };
    Ok(view::page(&ctx, Nav::Queues, "Queues", body))
}

/// The jobs list's query string: filters and the page's cursor.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    pub(crate) queue: String,
    #[serde(default)]
    pub(crate) task: String,
    #[serde(default)]
    pub(crate) state: String,
    #[serde(default)]
    pub(crate) after: i64,
    /// What an action just did, to say so.
    #[serde(default)]
    pub(crate) done: String,
}

impl ListQuery {
    /// The filter it names; a state that is no state is a bad request.
    pub(crate) fn filter(&self) -> Result<JobFilter, Failure> {
        let mut filter = JobFilter::new().after(JobId(self.after)).limit(PAGE);
        if !self.queue.is_empty() {
            filter = filter.queue(self.queue.clone());
        }
        if !self.task.is_empty() {
            filter = filter.task(self.task.clone());
        }
        if !self.state.is_empty() {
            let state = self
                .state
                .parse::<JobState>()
                .map_err(|_| Failure::BadRequest(format!("unknown state {:?}", self.state)))?;
            filter = filter.state(state);
        }
        Ok(filter)
    }

    /// This list's URL with another cursor.
    fn url(&self, ctx: &Ctx, after: i64) -> String {
        format!(
            "{}?queue={}&task={}&state={}&after={after}",
            ctx.url("/jobs"),
            encode(&self.queue),
            encode(&self.task),
            encode(&self.state)
        )
    }
}

const STATES: [JobState; 6] = [
    JobState::Available,
    JobState::Running,
    JobState::Retryable,
    JobState::Completed,
    JobState::Discarded,
    JobState::Cancelled,
];

/// `/jobs`: a page of jobs by queue, task and state.
pub(crate) async fn jobs<B: Backend>(
    State(shared): St<B>,
    req: Req,
    Query(q): Query<ListQuery>,
) -> Result<Markup, Failure> {
    let ctx = req.ctx(&shared);
    let filter = q.filter()?;
    let page = shared.store.jobs(&filter).await?;
    let next = page
        .last()
        .filter(|_| page.len() == PAGE as usize)
        .map(|j| j.id.0);
    let filtered = !(q.queue.is_empty() && q.task.is_empty() && q.state.is_empty());
    let body = html! {
        @if !q.done.is_empty() { p.flash { (q.done) } }
        form method="get" action=(ctx.url("/jobs")) {
            label { "Queue " input name="queue" value=(q.queue) placeholder="any"; } " "
            label { "Task " input name="task" value=(q.task) placeholder="any"; } " "
            label { "State " select name="state" {
                option value="" { "any" }
                @for s in STATES { option value=(s.as_str()) selected[s.as_str() == q.state] { (s.as_str()) } }
            } } " "
            button type="submit" { "Filter" }
        }
        @if page.is_empty() {
            p.muted { "No jobs match." }
        } @else {
            table {
                thead { tr { th { "Id" } th { "Queue" } th { "Task" } th { "State" } th { "Attempt" } th { "Run at" } th { "Args" } th {} } }
                tbody {
                    @for job in &page {
                        tr {
                            td { a href=(ctx.url(&format!("/jobs/{}", job.id.0))) { (job.id.0) } }
                            td { (job.queue) } td { (job.task) } td { (view::state(job.state)) }
                            td.n { (job.attempt) "/" (job.max_attempts) }
                            td { (view::time(job.run_at_us)) }
                            td { code { (truncate(&job.args.to_string(), 80)) } }
                            td { @for (action, label) in view::actions_for(job.state) { (view::action_button(&ctx, job.id, action, label)) } }
                        }
                    }
                }
            }
        }
        p {
            @if q.after > 0 { a href=(q.url(&ctx, 0)) { "« First page" } " " }
            @if let Some(after) = next { a href=(q.url(&ctx, after)) { "Next page »" } }
        }
        @if let (Access::SignedIn(session), true) = (&ctx.access, filtered) {
            form method="post" action=(ctx.url("/actions")) {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="queue" value=(q.queue);
                input type="hidden" name="task" value=(q.task);
                input type="hidden" name="state" value=(q.state);
                "Every job of this filter (not only this page): "
                button type="submit" name="action" value="retry" { "Retry all" } " "
                button type="submit" name="action" value="cancel" { "Cancel all" } " "
                button type="submit" name="action" value="discard" { "Discard all" }
                " " span.muted { "Jobs in a state an action does not apply to are skipped." }
            }
        }
    };
    Ok(view::page(&ctx, Nav::Jobs, "Jobs", body))
}

/// A job page's query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct JobQuery {
    #[serde(default)]
    done: String,
}

/// `/jobs/{id}`: one job, with its arguments, attempts and their errors, result and times.
pub(crate) async fn job<B: Backend>(
    State(shared): St<B>,
    req: Req,
    Path(id): Path<String>,
    Query(q): Query<JobQuery>,
) -> Result<Markup, Failure> {
    let ctx = req.ctx(&shared);
    let id = parse_id(&id)?;
    let Some(job) = shared.store.job_get(id).await? else {
        return Err(Failure::NotFound(format!("no job with id {}", id.0)));
    };
    let times = shared.store.job_times(id).await?;
    let pretty =
        |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    let body = html! {
        @if !q.done.is_empty() { p.flash { (q.done) } }
        p {
            (view::state(job.state)) " "
            @for (action, label) in view::actions_for(job.state) { (view::action_button(&ctx, job.id, action, label)) " " }
        }
        dl {
            dt { "Queue" } dd { a href={(ctx.url("/jobs")) "?queue=" (encode(&job.queue))} { (job.queue) } }
            dt { "Task" } dd { a href={(ctx.url("/jobs")) "?task=" (encode(&job.task))} { (job.task) } }
            dt { "Attempt" } dd { (job.attempt) " of " (job.max_attempts) }
            dt { "Priority" } dd { (job.priority) }
            dt { "Run at" } dd { (view::time(job.run_at_us)) }
            @if let Some(t) = &times {
                dt { "Created" } dd { (view::time(t.created_at_us)) }
                dt { "Last attempt started" } dd { (t.attempted_at_us.map_or("–".to_owned(), view::time)) }
                dt { "Finished" } dd { (t.finished_at_us.map_or("–".to_owned(), view::time)) }
                dt { "Lease" } dd {
                    (t.lease_owner.as_deref().unwrap_or("–"))
                    @if let Some(until) = t.lease_expires_at_us { " until " (view::time(until)) }
                }
            }
            @if !job.tags.is_empty() { dt { "Tags" } dd { (job.tags.join(", ")) } }
        }
        h2 { "Arguments" }
        pre.args { (pretty(&job.args)) }
        h2 { "Attempts with errors" }
        @if job.errors.is_empty() {
            p.muted { "No failed attempt." }
        } @else {
            table {
                thead { tr { th { "Attempt" } th { "At" } th { "Error" } } }
                tbody { @for e in &job.errors { tr { td.n { (e.attempt) } td { (e.at) } td { pre.error { (e.message) } } } } }
            }
        }
        h2 { "Result" }
        @match &job.result { Some(r) => pre.result { (pretty(r)) }, None => p.muted { "None." } }
    };
    let title = format!("Job {} · {}", job.id.0, job.task);
    Ok(view::page(&ctx, Nav::Jobs, &title, body))
}

/// `/failures`: retryable and discarded jobs grouped by task and latest error.
pub(crate) async fn failures<B: Backend>(
    State(shared): St<B>,
    req: Req,
) -> Result<Markup, Failure> {
    let ctx = req.ctx(&shared);
    let groups = shared.store.failure_groups(200).await?;
    let list = |task: &str, state: JobState| {
        format!(
            "{}?task={}&state={}",
            ctx.url("/jobs"),
            encode(task),
            state.as_str()
        )
    };
    let body = html! {
        @if groups.is_empty() {
            p.muted { "No retryable or discarded jobs." }
        } @else {
            table {
                thead { tr { th { "Task" } th { "Latest error" } th { "retryable" } th { "discarded" } th { "Newest" } } }
                tbody {
                    @for g in &groups {
                        tr {
                            td { (g.task) }
                            td { @if g.message.is_empty() { span.muted { "(no error recorded)" } } @else { pre.error { (truncate(&g.message, 500)) } } }
                            td.n { @if g.retryable > 0 { a href=(list(&g.task, JobState::Retryable)) { (g.retryable) } } @else { "0" } }
                            td.n { @if g.discarded > 0 { a href=(list(&g.task, JobState::Discarded)) { (g.discarded) } } @else { "0" } }
                            td { a href=(ctx.url(&format!("/jobs/{}", g.latest_id.0))) { (g.latest_id.0) } }
                        }
                    }
                }
            }
        }
    };
    Ok(view::page(&ctx, Nav::Failures, "Failures", body))
}

/// `/login`: the sign-in form.
pub(crate) async fn login<B: Backend>(State(shared): St<B>, req: Req) -> Markup {
    let ctx = req.ctx(&shared);
    let body = html! {
        @match &ctx.access {
            Access::ReadOnly => p { "This dashboard is read-only: it was started without a write token." },
            Access::SignedIn(_) => p { "Signed in." },
            Access::SignedOut => form method="post" action=(ctx.url("/login")) {
                label { "Write token " input type="password" name="token" autocomplete="current-password"; }
                " " button type="submit" { "Sign in" }
            },
        }
    };
    view::page(&ctx, Nav::None, "Sign in", body)
}

pub(crate) fn parse_id(text: &str) -> Result<JobId, Failure> {
    text.parse()
        .map(JobId)
        .map_err(|_| Failure::BadRequest(format!("{text:?} is not a job id")))
}

/// At most `max` characters of `text`, with an ellipsis when cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Percent-encodes a query-string value.
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
