//! The writes: signing in and out, and retry, cancel or discard on one job or on every job of
//! a filter. Each is a POST that [`Keys::allow_write`](crate::auth::Keys::allow_write) lets
//! through or refuses, and that answers with a redirect to a page saying what it did.

use axum::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tranq_core::{Backend, Cancellation, Error, JobFilter, JobId, SqlStore};

use crate::St;
use crate::auth::{self, Access, COOKIE_NAME};
use crate::error::Failure;
use crate::pages::{self, ListQuery, Req, encode};
use crate::view::{self, Ctx, Nav};

/// The most jobs one action on a filter goes through; the operator repeats it for more.
pub(crate) const MAX_BULK: usize = 10_000;

/// What an action form sends.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    queue: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    state: String,
    /// `yes` once the operator has seen how many jobs an action on a filter changes.
    #[serde(default)]
    confirm: String,
}

/// What the sign-in form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    token: String,
}

/// One of the three actions.
#[derive(Debug, Clone, Copy)]
enum Action {
    Retry,
    Cancel,
    Discard,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Cancel => "cancel",
            Action::Discard => "discard",
        }
    }

    fn parse(text: &str) -> Result<Self, Failure> {
        match text {
            "retry" => Ok(Action::Retry),
            "cancel" => Ok(Action::Cancel),
            "discard" => Ok(Action::Discard),
            other => Err(Failure::BadRequest(format!(
                "unknown action {other:?}: retry, cancel or discard"
            ))),
        }
    }

    /// Does it to job `id`; says what happened.
    async fn apply<B: Backend>(
        self,
        store: &SqlStore<B>,
        id: JobId,
    ) -> Result<&'static str, Error> {
        match self {
            Action::Retry => store.retry(id).await.map(|()| "retried"),
            Action::Discard => store.discard(id).await.map(|()| "discarded"),
            Action::Cancel => store.cancel(id).await.map(|c| match c {
                Cancellation::Requested => "asked its worker to cancel",
                _ => "cancelled",
            }),
        }
    }
}

fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

fn cookie(req: &Req, value: &str, max_age: Option<u32>) -> Option<HeaderValue> {
    let path = if req.base.is_empty() { "/" } else { &req.base };
    let age = max_age.map_or(String::new(), |s| format!("; Max-Age={s}"));
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={value}; Path={path}; HttpOnly; SameSite=Strict{age}"
    ))
    .ok()
}

/// `POST /login`: the write token gives a session cookie.
pub(crate) async fn login<B: Backend>(
    State(shared): St<B>,
    req: Req,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, Failure> {
    if !shared.keys.writable() {
        return Err(Failure::Forbidden(
            "this dashboard is read-only: there is nothing to sign in to",
        ));
    }
    auth::same_site(&req.headers)?;
    let Ok(Form(form)) = form else {
        return Err(Failure::BadRequest(
            "the sign-in form sends a token".to_owned(),
        ));
    };
    if !shared.keys.token_matches(&form.token) {
        return Err(Failure::Forbidden("wrong write token"));
    }
    let mut response = redirect(&format!("{}/", req.base));
    if let Some(cookie) = cookie(&req, &shared.keys.new_session(), None) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /logout`: forgets the session cookie.
pub(crate) async fn logout<B: Backend>(
    State(shared): St<B>,
    req: Req,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, Failure> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    shared
        .keys
        .allow_write(&req.headers, form.csrf.as_deref())?;
    let mut response = redirect(&format!("{}/", req.base));
    if let Some(cookie) = cookie(&req, "", Some(0)) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `POST /jobs/{id}/{action}`: retry, cancel or discard one job, then show it.
pub(crate) async fn one<B: Backend>(
    State(shared): St<B>,
    req: Req,
    Path((id, action)): Path<(String, String)>,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, Failure> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    shared
        .keys
        .allow_write(&req.headers, form.csrf.as_deref())?;
    let id = pages::parse_id(&id)?;
    let did = Action::parse(&action)?.apply(&shared.store, id).await?;
    tracing::info!(job.id = id.0, action, "tranq dashboard: {did}");
    let done = format!("Job {}: {did}.", id.0);
    Ok(redirect(&format!(
        "{}/jobs/{}?done={}",
        req.base,
        id.0,
        encode(&done)
    )))
}

/// `POST /actions`: retry, cancel or discard every job of a filter (at least one of queue, task
/// and state), skipping those in a state the action does not apply to. Without `confirm=yes`
/// it changes nothing and shows how many jobs match, with a button to confirm.
pub(crate) async fn many<B: Backend>(
    State(shared): St<B>,
    req: Req,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Result<Response, Failure> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    shared
        .keys
        .allow_write(&req.headers, form.csrf.as_deref())?;
    let action = Action::parse(&form.action)?;
    let list = ListQuery {
        queue: form.queue,
        task: form.task,
        state: form.state,
        ..ListQuery::default()
    };
    if list.queue.is_empty() && list.task.is_empty() && list.state.is_empty() {
        return Err(Failure::BadRequest(
            "an action on many jobs needs a filter: a queue, a task or a state".to_owned(),
        ));
    }
    let filter = list.filter()?.limit(500);
    if form.confirm != "yes" {
        let matching = count(&shared.store, filter).await?;
        return Ok(confirm_page(&req.ctx(&shared), action, &list, matching).into_response());
    }
    let (changed, skipped, seen) = apply_all(&shared.store, action, filter).await?;
    tracing::info!(
        ?action,
        changed,
        skipped,
        "tranq dashboard: action on a filter"
    );
    let more = if seen == MAX_BULK {
        " (stopped at 10000 jobs: repeat for more)"
    } else {
        ""
    };
    let done = format!(
        "{}: {changed} jobs changed, {skipped} skipped{more}.",
        action.verb()
    );
    Ok(redirect(&format!(
        "{}/jobs?queue={}&task={}&state={}&done={}",
        req.base,
        encode(&list.queue),
        encode(&list.task),
        encode(&list.state),
        encode(&done)
    )))
}

/// How many jobs `filter` matches, up to [`MAX_BULK`].
async fn count<B: Backend>(store: &SqlStore<B>, mut filter: JobFilter) -> Result<usize, Failure> {
    let mut seen = 0;
    loop {
        let page = store.jobs(&filter).await?;
        seen += page.len();
        match page.last() {
            Some(last) if page.len() == 500 && seen < MAX_BULK => filter = filter.after(last.id),
            _ => return Ok(seen.min(MAX_BULK)),
        }
    }
}

/// Applies `action` to the jobs of `filter`, up to [`MAX_BULK`]: how many changed, how many
/// were skipped (in a state the action does not apply to, or gone), how many were seen.
async fn apply_all<B: Backend>(
    store: &SqlStore<B>,
    action: Action,
    mut filter: JobFilter,
) -> Result<(usize, usize, usize), Failure> {
    let (mut changed, mut skipped, mut seen) = (0usize, 0usize, 0usize);
    loop {
        let page = store.jobs(&filter).await?;
        for job in &page {
            if seen == MAX_BULK {
                return Ok((changed, skipped, seen));
            }
            seen += 1;
            match action.apply(store, job.id).await {
                Ok(_) => changed += 1,
                Err(
                    Error::WrongJobState { .. }
                    | Error::NoSuchJob { .. }
                    | Error::UniqueKeyTaken { .. },
                ) => skipped += 1,
                Err(e) => return Err(Failure::Store(e)),
            }
        }
        match page.last() {
            Some(last) if page.len() == 500 => filter = filter.after(last.id),
            _ => return Ok((changed, skipped, seen)),
        }
    }
}

/// Asks the operator to confirm an action on the `matching` jobs of a filter.
fn confirm_page(ctx: &Ctx, action: Action, list: &ListQuery, matching: usize) -> Markup {
    let shown = |v: &str| {
        if v.is_empty() {
            "any".to_owned()
        } else {
            v.to_owned()
        }
    };
    let back = format!(
        "{}?queue={}&task={}&state={}",
        ctx.url("/jobs"),
        encode(&list.queue),
        encode(&list.task),
        encode(&list.state)
    );
    let body = html! {
        p {
            "To " (action.verb()) ": every job with queue " strong { (shown(&list.queue)) }
            ", task " strong { (shown(&list.task)) } " and state " strong { (shown(&list.state)) }
            "; " strong.count { (matching) } " jobs match"
            @if matching == MAX_BULK { " (or more: one action goes through 10000 at most)" }
            ". Jobs in a state the action does not apply to are skipped."
        }
        form method="post" action=(ctx.url("/actions")) {
            @if let Access::SignedIn(session) = &ctx.access {
                input type="hidden" name="csrf" value=(session.csrf);
            }
            input type="hidden" name="action" value=(action.verb());
            input type="hidden" name="queue" value=(list.queue);
            input type="hidden" name="task" value=(list.task);
            input type="hidden" name="state" value=(list.state);
            input type="hidden" name="confirm" value="yes";
            button type="submit" { "Yes, " (action.verb()) " " (matching) " jobs" } " "
            a href=(back) { "No, back to the jobs" }
        }
    };
    view::page(ctx, Nav::Jobs, "Confirm", body)
}
