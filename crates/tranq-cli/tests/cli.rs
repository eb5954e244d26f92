//! The operator's commands (`tranq jobs`, `tranq queues`, `tranq stats`) run as an operator runs
//! them: the built binary against a fresh database per test on PostgreSQL, MariaDB and SQLite,
//! seeded through the library with jobs in every state. Server URLs come from
//! `TRANQ_TEST_POSTGRES_URL` and `TRANQ_TEST_MYSQL_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tranq::internal::{ClaimParams, Completion, FailParams, Store as _};
use tranq::{JobId, JobState};

mod support;

use support::{BuildReport, Db, Fresh, Mail, Report, SendMail, state};

impl Fresh {
    /// Runs `tranq <args> --database-url <this database>`.
    fn tranq(&self, args: &[&str]) -> Output {
        self.tranq_answering(args, "")
    }

    /// The same, with `answer` on stdin.
    fn tranq_answering(&self, args: &[&str], answer: &str) -> Output {
        let mut all = args.to_vec();
        all.extend(["--database-url", &self.url]);
        run(&all, answer)
    }
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts success and parses stdout as JSON.
fn json_of(out: &Output) -> Value {
    assert_eq!(code(out), 0, "{out:?}");
    serde_json::from_str(&stdout(out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect()
}

/// The seeded jobs, one per state (two available in `mail`, one of them scheduled).
struct Seeded {
    /// mail, available, due now.
    due: JobId,
    /// mail, retryable after one failed attempt ("smtp timeout").
    retryable: JobId,
    /// mail, completed with a result.
    completed: JobId,
    /// mail, running (claimed and started, lease held).
    running: JobId,
    /// mail, available in an hour.
    scheduled: JobId,
    /// reports, discarded by an operator.
    discarded: JobId,
    /// reports, cancelled by an operator.
    cancelled: JobId,
    /// reports, available, due now.
    report: JobId,
}

impl Seeded {
    fn all(&self) -> Vec<i64> {
        let mut all = [
            self.due,
            self.retryable,
            self.completed,
            self.running,
            self.scheduled,
            self.discarded,
            self.cancelled,
            self.report,
        ]
        .map(|id| id.0)
        .to_vec();
        all.sort_unstable();
        all
    }
}

async fn seed(store: &tranq::sea_orm::Store) -> Seeded {
    let db = store.backend().connection();
    let mail = |to: &str| Mail { to: to.to_owned() };
    let retryable = SendMail::enqueue_in(db, mail("a@example.com"))
        .await
        .unwrap();
    let completed = SendMail::enqueue_in(db, mail("b@example.com"))
        .await
        .unwrap();
    let running = SendMail::enqueue_in(db, mail("c@example.com"))
        .await
        .unwrap();
    let claimed = store
        .job_claim(&ClaimParams {
            queue: "mail",
            tasks: &["send_mail"],
            limit: 3,
            worker_id: "cli-test-worker",
            lease: Duration::from_secs(3600),
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    let leases: Vec<_> = claimed.iter().map(|c| c.lease()).collect();
    store.job_mark_started(&leases).await.unwrap();
    let token = |id: JobId| claimed.iter().find(|c| c.id == id).unwrap().lease_token;
    assert!(
        store
            .job_fail(&FailParams {
                id: retryable,
                token: token(retryable),
                next_state: JobState::Retryable,
                delay: Duration::from_secs(3600),
                give_back_attempt: false,
                error: Some("smtp timeout\nafter 30s".to_owned()),
            })
            .await
            .unwrap()
    );
    let done = Completion {
        id: completed,
        token: token(completed),
        result: Some(json!({ "sent": true })),
    };
    assert_eq!(store.job_complete_many(&[done]).await.unwrap(), [completed]);

    let due = SendMail::enqueue_in(db, mail("d@example.com"))
        .await
        .unwrap();
    let scheduled = SendMail::builder()
        .delay(Duration::from_secs(3600))
        .enqueue_in(db, mail("e@example.com"))
        .await
        .unwrap();
    let [discarded, cancelled, report] =
        BuildReport::enqueue_many_in(db, [1, 2, 3].map(|month| Report { month }))
            .await
            .unwrap()[..]
    else {
        panic!("three reports");
    };
    store.discard(discarded).await.unwrap();
    store.cancel(cancelled).await.unwrap();
    Seeded {
        due,
        retryable,
        completed,
        running,
        scheduled,
        discarded,
        cancelled,
        report,
    }
}

async fn jobs_are_listed_by_filter_and_shown_in_full(db: Db) {
    let fresh = db.fresh("list").await;
    let store = fresh.store().await;
    let s = seed(&store).await;

    let all = json_of(&fresh.tranq(&["jobs", "list", "--json"]));
    assert_eq!(ids(&all), s.all(), "every job, in id order");
    let mail = json_of(&fresh.tranq(&["jobs", "list", "--queue", "mail", "--json"]));
    assert_eq!(ids(&mail).len(), 5);
    assert!(
        mail.as_array()
            .unwrap()
            .iter()
            .all(|j| j["queue"] == "mail")
    );
    let failed = json_of(&fresh.tranq(&["jobs", "list", "--state", "retryable", "--json"]));
    assert_eq!(ids(&failed), [s.retryable.0]);
    assert_eq!(failed[0]["errors"][0]["message"], "smtp timeout\nafter 30s");
    assert_eq!(failed[0]["args"], json!({ "to": "a@example.com" }));
    let cancelled = json_of(&fresh.tranq(&[
        "jobs",
        "list",
        "--task",
        "build_report",
        "--state",
        "cancelled",
        "--json",
    ]));
    assert_eq!(ids(&cancelled), [s.cancelled.0]);

    // Pages: --limit, then --after the last id.
    let first = json_of(&fresh.tranq(&["jobs", "list", "--limit", "3", "--json"]));
    assert_eq!(ids(&first), s.all()[..3]);
    let after = s.all()[2].to_string();
    let rest = json_of(&fresh.tranq(&["jobs", "list", "--after", &after, "--json"]));
    assert_eq!(ids(&rest), s.all()[3..]);

    // The table, for people: the last error on one line.
    let out = fresh.tranq(&["jobs", "list", "--queue", "mail"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let table = stdout(&out);
    assert!(table.starts_with("ID"), "{table}");
    assert_eq!(table.lines().count(), 6, "a header and five jobs: {table}");
    assert!(table.contains("smtp timeout after 30s"), "{table}");
    assert!(table.contains("1/25"), "{table}");

    // One job, every detail.
    let out = fresh.tranq(&["jobs", "show", &s.retryable.to_string()]);
    assert_eq!(code(&out), 0, "{out:?}");
    let shown = stdout(&out);
    for part in [
        "state         retryable",
        "attempt       1 of 25",
        "a@example.com",
        "attempt 1 at",
        "smtp timeout",
        "after 30s",
        "created at",
        "attempted at",
        "run at",
    ] {
        assert!(shown.contains(part), "{part:?} missing from:\n{shown}");
    }
    let done = json_of(&fresh.tranq(&["jobs", "show", &s.completed.to_string(), "--json"]));
    assert_eq!(done["state"], "completed");
    assert_eq!(done["result"], json!({ "sent": true }));
    assert!(
        done["finished_at"].as_str().unwrap().ends_with('Z'),
        "{done}"
    );
    assert!(done["created_at"].as_str().is_some(), "{done}");
    let running = json_of(&fresh.tranq(&["jobs", "show", &s.running.to_string(), "--json"]));
    assert_eq!(running["lease_owner"], "cli-test-worker");
    assert_eq!(running["finished_at"], Value::Null);

    let out = fresh.tranq(&["jobs", "show", "987654"]);
    assert_eq!(code(&out), 3, "{out:?}");
    assert!(stderr(&out).contains("no job 987654"), "{out:?}");
    fresh.drop().await;
}

async fn jobs_are_steered_by_id_and_refusals_have_their_codes(db: Db) {
    let fresh = db.fresh("control").await;
    let store = fresh.store().await;
    let s = seed(&store).await;

    let out = fresh.tranq(&["jobs", "cancel", &s.due.to_string()]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(stdout(&out), format!("cancelled job {}\n", s.due));
    assert_eq!(state(&store, s.due).await, JobState::Cancelled);

    let out = fresh.tranq(&["jobs", "cancel", &s.due.to_string()]);
    assert_eq!(code(&out), 4, "cancelling twice: {out:?}");
    assert!(stderr(&out).contains("it is cancelled"), "{out:?}");

    let out = fresh.tranq(&["jobs", "retry", &s.retryable.to_string()]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(state(&store, s.retryable).await, JobState::Available);

    let out = fresh.tranq(&["jobs", "discard", &s.report.to_string()]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(state(&store, s.report).await, JobState::Discarded);

    // A running job is asked to stop; its worker ends it (none runs here: it stays running).
    let out = fresh.tranq(&["jobs", "cancel", &s.running.to_string()]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(stdout(&out), format!("asked to cancel job {}\n", s.running));
    assert_eq!(state(&store, s.running).await, JobState::Running);
    let out = fresh.tranq(&["jobs", "discard", &s.running.to_string()]);
    assert_eq!(code(&out), 4, "a running job is not discarded: {out:?}");

    let out = fresh.tranq(&["jobs", "retry", "987654"]);
    assert_eq!(code(&out), 3, "{out:?}");

    // Several ids: each is tried, the code is the first failure's.
    let out = fresh.tranq(&["jobs", "cancel", "987654", &s.scheduled.to_string()]);
    assert_eq!(code(&out), 3, "{out:?}");
    assert_eq!(state(&store, s.scheduled).await, JobState::Cancelled);
    assert!(stderr(&out).contains("1 of 2 jobs"), "{out:?}");
    fresh.drop().await;
}

async fn every_job_of_a_filter_is_steered_after_a_confirmation(db: Db) {
    let fresh = db.fresh("all").await;
    let store = fresh.store().await;
    let s = seed(&store).await;

    // Anything but yes changes nothing.
    let out = fresh.tranq_answering(&["jobs", "retry", "--all", "--queue", "reports"], "n\n");
    assert_eq!(code(&out), 1, "{out:?}");
    assert!(
        stderr(&out).contains("retry 2 "),
        "the count is asked: {out:?}"
    );
    assert_eq!(state(&store, s.discarded).await, JobState::Discarded);
    assert_eq!(state(&store, s.cancelled).await, JobState::Cancelled);

    let out = fresh.tranq_answering(&["jobs", "retry", "--all", "--queue", "reports"], "y\n");
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(stdout(&out), "retried 2 jobs\n");
    assert_eq!(state(&store, s.discarded).await, JobState::Available);
    assert_eq!(state(&store, s.cancelled).await, JobState::Available);

    // --yes, no prompt: the waiting mail jobs are cancelled, the running one asked to stop; the
    // completed one stays.
    let out = fresh.tranq(&["jobs", "cancel", "--all", "--queue", "mail", "--yes"]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(
        stdout(&out),
        "cancelled 3 jobs\nasked 1 running jobs to cancel\n"
    );
    for id in [s.due, s.retryable, s.scheduled] {
        assert_eq!(state(&store, id).await, JobState::Cancelled);
    }
    assert_eq!(state(&store, s.running).await, JobState::Running);
    assert_eq!(state(&store, s.completed).await, JobState::Completed);
    assert_eq!(state(&store, s.report).await, JobState::Available);

    let out = fresh.tranq(&["jobs", "discard", "--all", "--task", "build_report", "-y"]);
    assert_eq!(stdout(&out), "discarded 3 jobs\n", "{out:?}");

    // A state the action never applies to is refused before anything is read.
    let out = fresh.tranq(&["jobs", "retry", "--all", "--state", "completed", "--yes"]);
    assert_eq!(code(&out), 4, "{out:?}");
    assert_eq!(state(&store, s.completed).await, JobState::Completed);

    // Ids and --all do not mix; filters need --all.
    assert_eq!(code(&fresh.tranq(&["jobs", "retry", "1", "--all"])), 2);
    assert_eq!(
        code(&fresh.tranq(&["jobs", "retry", "1", "--queue", "mail"])),
        2
    );
    fresh.drop().await;
}

async fn queues_and_stats_count_every_state(db: Db) {
    let fresh = db.fresh("queues").await;
    let store = fresh.store().await;
    seed(&store).await;

    let queues = json_of(&fresh.tranq(&["queues", "--json"]));
    let [mail, reports] = queues.as_array().unwrap().as_slice() else {
        panic!("two queues: {queues}");
    };
    assert_eq!(mail["queue"], "mail");
    for (field, want) in [
        ("available", 2),
        ("scheduled", 1),
        ("running", 1),
        ("retryable", 1),
        ("completed", 1),
        ("discarded", 0),
        ("cancelled", 0),
        ("total", 5),
        ("finished_last_minute", 1),
    ] {
        assert_eq!(mail[field], want, "mail {field}: {mail}");
    }
    assert!(
        mail["oldest_due_ms"].as_u64().is_some(),
        "one mail is due: {mail}"
    );
    assert_eq!(reports["queue"], "reports");
    for (field, want) in [
        ("available", 1),
        ("discarded", 1),
        ("cancelled", 1),
        ("finished_last_minute", 2),
    ] {
        assert_eq!(reports[field], want, "reports {field}: {reports}");
    }

    let out = fresh.tranq(&["queues"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let table = stdout(&out);
    assert!(table.starts_with("QUEUE"), "{table}");
    assert!(
        table.lines().nth(1).unwrap().starts_with("mail "),
        "{table}"
    );

    let stats = json_of(&fresh.tranq(&["stats", "--json"]));
    assert_eq!(stats["totals"]["total"], 8, "{stats}");
    assert_eq!(stats["totals"]["finished_last_minute"], 3, "{stats}");
    assert_eq!(stats["queues"].as_array().unwrap().len(), 2);
    let out = fresh.tranq(&["stats"]);
    assert!(
        stdout(&out).contains("finished  3 in the last minute"),
        "{out:?}"
    );

    // --watch refreshes until stopped: one JSON line per refresh.
    let mut watch = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args(["stats", "--watch", "--interval", "0.2", "--json"])
        .args(["--database-url", &fresh.url])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    watch.kill().unwrap();
    let out = watch.wait_with_output().unwrap();
    let frames: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(frames.len() >= 2, "{} refreshes", frames.len());
    assert!(frames.iter().all(|f| f["totals"]["total"] == 8));
    fresh.drop().await;
}

async fn an_unmigrated_database_says_to_migrate(db: Db) {
    let fresh = db.fresh("bare").await;
    for args in [
        &["jobs", "list"][..],
        &["jobs", "show", "1"],
        &["jobs", "cancel", "1"],
        &["queues"],
        &["stats"],
    ] {
        let out = fresh.tranq(args);
        assert_eq!(code(&out), 5, "{args:?}: {out:?}");
        assert!(
            stderr(&out).contains("schema is missing") && stderr(&out).contains("tranq migrate"),
            "{args:?}: {out:?}"
        );
    }
    fresh.drop().await;
}

macro_rules! on_every_database {
    ($($scenario:ident),* $(,)?) => {
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario(super::Db::Postgres).await;
            })*
        }
        mod mysql {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario(super::Db::MySql).await;
            })*
        }
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $scenario() {
                super::$scenario(super::Db::Sqlite).await;
            })*
        }
    };
}

on_every_database!(
    jobs_are_listed_by_filter_and_shown_in_full,
    jobs_are_steered_by_id_and_refusals_have_their_codes,
    every_job_of_a_filter_is_steered_after_a_confirmation,
    queues_and_stats_count_every_state,
    an_unmigrated_database_says_to_migrate,
);

#[test]
fn an_unreachable_server_is_named_without_its_password() {
    for url in [
        "postgres://app:pw-s3cret@127.0.0.1:1/shop",
        "mysql://app:pw-s3cret@127.0.0.1:1/shop",
    ] {
        let out = run(&["queues", "--database-url", url], "");
        assert_eq!(code(&out), 5, "{out:?}");
        let err = stderr(&out);
        assert!(!err.contains("pw-s3cret"), "the password leaked: {err}");
        assert!(err.contains("app:***@127.0.0.1:1/shop"), "{err}");
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn bad_urls_and_arguments_have_their_own_exit_codes() {
    let out = run(&["jobs", "list", "--database-url", "oracle://h/db"], "");
    assert_eq!(code(&out), 5, "{out:?}");
    assert!(stderr(&out).contains("use postgres://, mysql:// or sqlite://"));

    let out = run(&["jobs", "list"], "");
    assert_eq!(code(&out), 2, "no URL: {out:?}");
    let out = run(
        &["jobs", "show", "seven", "--database-url", "sqlite://x.db"],
        "",
    );
    assert_eq!(code(&out), 2, "{out:?}");

    let help = stdout(&run(&["jobs", "--help"], ""));
    assert!(help.contains("3  no such job"), "{help}");
    // DATABASE_URL's value is not shown in --help.
    let out = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args(["queues", "--help"])
        .env("DATABASE_URL", "postgres://app:pw-s3cret@db/shop")
        .output()
        .unwrap();
    assert!(!stdout(&out).contains("pw-s3cret"), "{}", stdout(&out));
}
