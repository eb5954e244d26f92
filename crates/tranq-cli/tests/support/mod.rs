//! What the CLI's and the dashboard's tests share: a fresh database per test on PostgreSQL,
//! MariaDB or SQLite (server URLs from `TRANQ_TEST_POSTGRES_URL` and `TRANQ_TEST_MYSQL_URL`),
//! two tasks, and the dashboard's seed: a job in every state, one of them carrying markup in
//! its arguments and error (the CLI seeds its own).
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tranq::internal::{ClaimParams, Completion, FailParams, Store as _};
use tranq::{JobId, JobState, TaskContext, TaskError};

#[path = "../../../../tests/support/url.rs"]
mod url;

/// Markup that would run if a page put it in unescaped: it marks the page as attacked.
pub const SCRIPT: &str = "<script>window.tranqPwned=1;document.title='PWNED'</script>\
                          <img src=x onerror=\"document.title='PWNED'\">";

#[derive(Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
}

#[tranq::task(queue = "mail")]
pub async fn send_mail(_ctx: TaskContext, _args: Mail) -> Result<(), TaskError> {
    Ok(())
}

#[derive(Serialize, Deserialize)]
pub struct Report {
    pub month: u32,
}

#[tranq::task(queue = "reports")]
pub async fn build_report(_ctx: TaskContext, _args: Report) -> Result<(), TaskError> {
    Ok(())
}

/// A database server kind, with one database per test.
#[derive(Debug, Clone, Copy)]
pub enum Db {
    Postgres,
    MySql,
    Sqlite,
}

pub const ALL: [Db; 3] = [Db::Postgres, Db::MySql, Db::Sqlite];

/// A fresh database; dropped by [`Fresh::drop`] at the end of a test that passed.
pub struct Fresh {
    db: Db,
    pub url: String,
    name: String,
}

impl Db {
    fn admin_url(self) -> String {
        match self {
            Db::Postgres => std::env::var("TRANQ_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
            Db::MySql => std::env::var("TRANQ_TEST_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned()),
            Db::Sqlite => String::new(),
        }
    }

    async fn admin(self, sql: &str) {
        let admin = sea_orm::Database::connect(self.admin_url()).await.unwrap();
        admin
            .execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        admin.close().await.ok();
    }

    pub async fn fresh(self, test: &str) -> Fresh {
        let name = format!("tranq_ops_{test}_{}", std::process::id());
        let url = match self {
            Db::Postgres | Db::MySql => {
                self.admin(&format!("DROP DATABASE IF EXISTS {name}")).await;
                self.admin(&format!("CREATE DATABASE {name}")).await;
                url::with_database(&self.admin_url(), &name)
            }
            Db::Sqlite => {
                let path = sqlite_dir().join(format!("{name}.db"));
                remove_sqlite(&path.to_string_lossy());
                format!("sqlite://{}?mode=rwc", path.display())
            }
        };
        Fresh {
            db: self,
            url,
            name,
        }
    }
}

fn sqlite_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("tranq-ops-test");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn remove_sqlite(path: &str) {
    for suffix in ["", "-wal", "-shm"] {
        std::fs::remove_file(format!("{path}{suffix}")).ok();
    }
}

impl Fresh {
    pub async fn store(&self) -> tranq::sea_orm::Store {
        let db = tranq::sea_orm::connect(&self.url).await.unwrap();
        tranq::sea_orm::migrate(&db).await.unwrap();
        tranq::sea_orm::Store::new(db)
    }

    pub async fn drop(self) {
        match self.db {
            Db::Postgres => {
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                self.db.admin(&sql).await;
            }
            Db::MySql => {
                self.db
                    .admin(&format!("DROP DATABASE IF EXISTS {}", self.name))
                    .await
            }
            Db::Sqlite => remove_sqlite(
                &sqlite_dir()
                    .join(format!("{}.db", self.name))
                    .to_string_lossy(),
            ),
        }
    }
}

/// The seeded jobs, one per state.
pub struct Seeded {
    /// mail, available, due now.
    pub due: JobId,
    /// mail, retryable after one failed attempt; its arguments and error hold [`SCRIPT`].
    pub retryable: JobId,
    /// mail, completed with a result.
    pub completed: JobId,
    /// mail, running (claimed and started, lease held).
    pub running: JobId,
    /// mail, available in an hour.
    pub scheduled: JobId,
    /// reports, discarded after a failed attempt ("report service down").
    pub discarded: JobId,
    /// reports, cancelled by an operator.
    pub cancelled: JobId,
}

pub async fn seed(store: &tranq::sea_orm::Store) -> Seeded {
    let db = store.backend().connection();
    let mail = |to: &str| Mail { to: to.to_owned() };
    let retryable = SendMail::enqueue_in(db, mail(SCRIPT)).await.unwrap();
    let completed = SendMail::enqueue_in(db, mail("b@example.com"))
        .await
        .unwrap();
    let running = SendMail::enqueue_in(db, mail("c@example.com"))
        .await
        .unwrap();
    let discarded = BuildReport::enqueue_in(db, Report { month: 1 })
        .await
        .unwrap();
    let mut claimed = Vec::new();
    for (queue, task, limit) in [("mail", "send_mail", 3), ("reports", "build_report", 1)] {
        let params = ClaimParams {
            queue,
            tasks: &[task],
            limit,
            worker_id: "dashboard-test-worker",
            lease: Duration::from_secs(3600),
        };
        claimed.extend(store.job_claim(&params).await.unwrap());
    }
    assert_eq!(claimed.len(), 4);
    let leases: Vec<_> = claimed.iter().map(|c| c.lease()).collect();
    store.job_mark_started(&leases).await.unwrap();
    let token = |id: JobId| claimed.iter().find(|c| c.id == id).unwrap().lease_token;
    for (id, next_state, error) in [
        (retryable, JobState::Retryable, SCRIPT.to_owned()),
        (
            discarded,
            JobState::Discarded,
            "report service down".to_owned(),
        ),
    ] {
        let failed = store
            .job_fail(&FailParams {
                id,
                token: token(id),
                next_state,
                delay: Duration::from_secs(3600),
                give_back_attempt: false,
                error: Some(error),
            })
            .await
            .unwrap();
        assert!(failed);
    }
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
    let cancelled = BuildReport::enqueue_in(db, Report { month: 2 })
        .await
        .unwrap();
    store.cancel(cancelled).await.unwrap();
    Seeded {
        due,
        retryable,
        completed,
        running,
        scheduled,
        discarded,
        cancelled,
    }
}

pub async fn state(store: &tranq::sea_orm::Store, id: JobId) -> JobState {
    store.job_get(id).await.unwrap().unwrap().state
}
