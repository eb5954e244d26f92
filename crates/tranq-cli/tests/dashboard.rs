//! The dashboard's router (`tranq::dashboard`) answering requests over a fresh, seeded database
//! on PostgreSQL, MariaDB and SQLite: every page renders and escapes what the database holds;
//! writes are refused without the write token, without the CSRF token and from another site;
//! retry, cancel and discard change the jobs they name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt as _;
use tranq::JobState;
use tranq::dashboard::Dashboard;

use support::{ALL, Db, SCRIPT, seed, state};

const TOKEN: &str = "correct horse battery staple";

/// An answer: status, headers and body text.
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(app: &Router, path: &str, cookie: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    send(app, request.body(Body::empty()).unwrap()).await
}

async fn post(app: &Router, path: &str, form: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:8080");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(app, request.body(Body::from(form.to_owned())).unwrap()).await
}

/// Signs in with the token: the session cookie, and the CSRF token of its forms.
async fn sign_in(app: &Router) -> (String, String) {
    let answer = post(
        app,
        "/login",
        &format!("token={}", TOKEN.replace(' ', "+")),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let set = answer.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let page = get(app, "/jobs", Some(&cookie)).await;
    (cookie, csrf_of(&page.body))
}

fn csrf_of(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + 19;
    html[start..].split('"').next().unwrap().to_owned()
}

async fn pages_render_and_escape_what_the_database_holds(db: Db) {
    let fresh = db.fresh("pages").await;
    let store = fresh.store().await;
    let s = seed(&store).await;
    let app = tranq::dashboard::router(store.clone());

    let queues = get(&app, "/", None).await;
    assert_eq!(queues.status, StatusCode::OK, "{db:?}: {}", queues.body);
    for text in ["<svg", "mail", "reports", "read-only"] {
        assert!(
            queues.body.contains(text),
            "{db:?}: {text} in {}",
            queues.body
        );
    }
    let csp = queues.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");

    let jobs = get(&app, "/jobs", None).await;
    assert_eq!(jobs.status, StatusCode::OK);
    for id in [
        s.due,
        s.retryable,
        s.completed,
        s.running,
        s.scheduled,
        s.discarded,
        s.cancelled,
    ] {
        assert!(
            jobs.body.contains(&format!("/jobs/{}\"", id.0)),
            "{db:?}: job {id}"
        );
    }
    assert!(
        !jobs.body.contains("<form method=\"post\""),
        "read-only: no buttons"
    );
    let discarded = get(&app, "/jobs?queue=reports&state=discarded", None).await;
    assert!(
        discarded
            .body
            .contains(&format!("/jobs/{}\"", s.discarded.0))
    );
    assert!(
        !discarded
            .body
            .contains(&format!("/jobs/{}\"", s.cancelled.0))
    );
    let paged = get(&app, &format!("/jobs?after={}", s.running.0), None).await;
    assert!(
        !paged.body.contains(&format!("/jobs/{}\"", s.retryable.0)),
        "before the cursor"
    );

    let job = get(&app, &format!("/jobs/{}", s.retryable.0), None).await;
    assert_eq!(job.status, StatusCode::OK);
    assert!(job.body.contains("retryable") && job.body.contains("Attempts with errors"));
    let done = get(&app, &format!("/jobs/{}", s.completed.0), None).await;
    assert!(done.body.contains("&quot;sent&quot;: true") || done.body.contains("\"sent\": true"));

    let failures = get(&app, "/failures", None).await;
    assert_eq!(failures.status, StatusCode::OK);
    assert!(failures.body.contains("report service down"), "{db:?}");
    assert!(failures.body.contains("build_report") && failures.body.contains("send_mail"));

    // The markup in the arguments and the error is shown as text, never as markup.
    for page in [&jobs.body, &job.body, &failures.body] {
        assert!(
            !page.contains("<script>window"),
            "{db:?}: unescaped in {page}"
        );
        assert!(!page.contains("<img src=x"), "{db:?}: unescaped");
        assert!(
            page.contains("&lt;script&gt;window.tranqPwned"),
            "{db:?}: escaped"
        );
    }
    assert!(!SCRIPT.is_empty());

    assert_eq!(
        get(&app, "/jobs/999999999", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/jobs/nope", None).await.status,
        StatusCode::BAD_REQUEST
    );
    let missing = get(&app, "/nowhere", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("no such page"));
    assert_eq!(
        get(&app, "/jobs?state=bogus", None).await.status,
        StatusCode::BAD_REQUEST
    );
    fresh.drop().await;
}

async fn writes_need_the_token_the_csrf_token_and_the_same_site(db: Db) {
    let fresh = db.fresh("writes").await;
    let store = fresh.store().await;
    let s = seed(&store).await;
    let retry = format!("/jobs/{}/retry", s.discarded.0);

    let read_only = tranq::dashboard::router(store.clone());
    let refused = post(&read_only, &retry, "", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("read-only"), "{}", refused.body);
    let bearer = format!("Bearer {TOKEN}");
    let refused = post(&read_only, &retry, "", &[("authorization", &bearer)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let app = Dashboard::new(store.clone())
        .write_token(TOKEN)
        .router()
        .unwrap();
    assert_eq!(
        post(&app, &retry, "", &[]).await.status,
        StatusCode::FORBIDDEN,
        "no session"
    );
    let wrong = post(&app, "/login", "token=guess", &[]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(!wrong.headers.contains_key(header::SET_COOKIE));
    let (cookie, csrf) = sign_in(&app).await;
    let with_cookie = [("cookie", cookie.as_str())];
    assert_eq!(
        post(&app, &retry, "", &with_cookie).await.status,
        StatusCode::FORBIDDEN,
        "no CSRF"
    );
    let forged = post(&app, &retry, "csrf=00ff", &with_cookie).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "a wrong CSRF token");
    let form = format!("csrf={csrf}");
    let other_site = [
        ("cookie", cookie.as_str()),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(
        post(&app, &retry, &form, &other_site).await.status,
        StatusCode::FORBIDDEN
    );
    let bad_bearer = post(
        &app,
        &retry,
        "",
        &[("authorization", "Bearer guess-guess-guess")],
    )
    .await;
    assert_eq!(bad_bearer.status, StatusCode::FORBIDDEN);
    // A token from another dashboard's process does not fit this one's session.
    let other = Dashboard::new(store.clone())
        .write_token(TOKEN)
        .router()
        .unwrap();
    assert_eq!(
        post(&other, &retry, &form, &with_cookie).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        state(&store, s.discarded).await,
        JobState::Discarded,
        "nothing changed"
    );

    let same_site = [
        ("cookie", cookie.as_str()),
        ("origin", "http://127.0.0.1:8080"),
    ];
    let done = post(&app, &retry, &form, &same_site).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(state(&store, s.discarded).await, JobState::Available);
    assert!(
        Dashboard::new(store.clone())
            .write_token("short")
            .router()
            .is_err()
    );
    fresh.drop().await;
}

async fn retry_cancel_and_discard_change_jobs_one_or_by_filter(db: Db) {
    let fresh = db.fresh("actions").await;
    let store = fresh.store().await;
    let s = seed(&store).await;
    // Mounted under a prefix, as in an app of its own.
    let dashboard = Dashboard::new(store.clone())
        .write_token(TOKEN)
        .router()
        .unwrap();
    let app = Router::new().nest("/admin/jobs", dashboard);
    let bearer = format!("Bearer {TOKEN}");
    let auth = [("authorization", bearer.as_str())];

    let cancel = post(
        &app,
        &format!("/admin/jobs/jobs/{}/cancel", s.due.0),
        "",
        &auth,
    )
    .await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER, "{}", cancel.body);
    let to = cancel.headers[header::LOCATION].to_str().unwrap();
    assert!(
        to.starts_with(&format!("/admin/jobs/jobs/{}?done=", s.due.0)),
        "{to}"
    );
    assert_eq!(state(&store, s.due).await, JobState::Cancelled);
    let page = get(&app, to, None).await;
    assert!(page.body.contains("cancelled") && page.body.contains("href=\"/admin/jobs/jobs\""));

    let discard = format!("/admin/jobs/jobs/{}/discard", s.scheduled.0);
    assert_eq!(
        post(&app, &discard, "", &auth).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(state(&store, s.scheduled).await, JobState::Discarded);
    let running = post(
        &app,
        &format!("/admin/jobs/jobs/{}/cancel", s.running.0),
        "",
        &auth,
    )
    .await;
    assert_eq!(
        running.status,
        StatusCode::SEE_OTHER,
        "a running job is asked to stop"
    );
    let completed = post(
        &app,
        &format!("/admin/jobs/jobs/{}/retry", s.completed.0),
        "",
        &auth,
    )
    .await;
    assert_eq!(completed.status, StatusCode::CONFLICT);
    assert!(completed.body.contains("completed"), "{}", completed.body);
    let unknown = post(
        &app,
        &format!("/admin/jobs/jobs/{}/explode", s.due.0),
        "",
        &auth,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    // An action on a filter first says how many jobs match, and changes nothing.
    let filter = "action=retry&queue=mail&state=cancelled";
    let ask = post(&app, "/admin/jobs/actions", filter, &auth).await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    assert!(
        ask.body
            .contains(r#"<strong class="count">1</strong> jobs match"#),
        "{}",
        ask.body
    );
    assert!(ask.body.contains(r#"name="confirm" value="yes""#));
    assert_eq!(state(&store, s.due).await, JobState::Cancelled, "not yet");
    // Confirmed: every cancelled job of the mail queue back to available, the rest left alone.
    let confirmed = format!("{filter}&confirm=yes");
    let all = post(&app, "/admin/jobs/actions", &confirmed, &auth).await;
    assert_eq!(all.status, StatusCode::SEE_OTHER, "{}", all.body);
    assert!(
        all.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("1%20jobs%20changed")
    );
    assert_eq!(state(&store, s.due).await, JobState::Available);
    assert_eq!(
        state(&store, s.cancelled).await,
        JobState::Cancelled,
        "another queue"
    );
    let unfiltered = post(&app, "/admin/jobs/actions", "action=retry", &auth).await;
    assert_eq!(
        unfiltered.status,
        StatusCode::BAD_REQUEST,
        "a filter is required"
    );
    fresh.drop().await;
}

#[tokio::test]
async fn pages_render_and_escape_on_every_database() {
    for db in ALL {
        pages_render_and_escape_what_the_database_holds(db).await;
    }
}

#[tokio::test]
async fn writes_are_refused_without_token_csrf_or_same_site_on_every_database() {
    for db in ALL {
        writes_need_the_token_the_csrf_token_and_the_same_site(db).await;
    }
}

#[tokio::test]
async fn actions_change_jobs_on_every_database() {
    for db in ALL {
        retry_cancel_and_discard_change_jobs_one_or_by_filter(db).await;
    }
}
