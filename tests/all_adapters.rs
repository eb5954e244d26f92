//! Every adapter in one module: one task, one `enqueue_in` name, and the compiler picks the
//! adapter from the connection's type. Also `#[task(crate = "...")]` for a renamed dependency.
//! On one SQLite file, so that the three adapters' jobs land in one table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

extern crate tranq as renamed;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_async::AsyncConnection;
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde::{Deserialize, Serialize};
use tranq::{Enqueue, Executor, JobId, JobState, TaskContext, TaskError};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    from: String,
}

#[tranq::task(queue = "adapters")]
async fn record(_ctx: TaskContext, _args: Note) -> Result<(), TaskError> {
    Ok(())
}

/// Expanded against the facade under another name.
#[renamed::task(crate = "::renamed", queue = "adapters")]
async fn record_renamed(_ctx: TaskContext, _args: Note) -> Result<(), TaskError> {
    Ok(())
}

/// Code generic over tasks and connections, through the one trait.
fn enqueue_any<T, C, Via>(conn: C, from: &str) -> C::Output<JobId>
where
    T: Enqueue<Args = Note>,
    C: Executor<Via>,
{
    T::enqueue_in(
        conn,
        Note {
            from: from.to_owned(),
        },
    )
}

fn note(from: &str) -> Note {
    Note {
        from: from.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_enqueue_name_serves_every_adapter_in_one_module() {
    let dir = std::env::temp_dir().join(format!("tranq-all-adapters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("adapters.sqlite");
    std::fs::remove_file(&path).ok();
    let db = tranq::sea_orm::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    let store = tranq::sea_orm::Store::new(db.clone());

    // SeaORM: a transaction, and a plain connection.
    let txn = db.begin().await.unwrap();
    let sea_txn = Record::enqueue_in(&txn, note("sea-orm txn")).await.unwrap();
    let sea_generic = enqueue_any::<Record, _, _>(&txn, "sea-orm generic")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let sea_db = RecordRenamed::enqueue_in(&db, note("sea-orm db"))
        .await
        .unwrap();

    // Diesel (sync): the same names on a `&mut SqliteConnection`, in a transaction.
    let path_text = path.display().to_string();
    let diesel_ids = tokio::task::spawn_blocking(move || {
        let mut conn = SqliteConnection::establish(&path_text).unwrap();
        conn.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
        let ids = conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                let one = Record::enqueue_in(&mut *conn, note("diesel"))?;
                let many = Record::builder()
                    .priority(3)
                    .enqueue_many_in(&mut *conn, [note("diesel many"), note("diesel many")])?;
                let generic = enqueue_any::<RecordRenamed, _, _>(conn, "diesel generic")?;
                Ok([vec![one, generic], many].concat())
            })
            .unwrap();
        let outcome = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            Record::enqueue_in(&mut *conn, note("diesel rollback"))?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(outcome.is_err());
        ids
    })
    .await
    .unwrap();

    // diesel-async: the same names on a `&mut SyncConnectionWrapper<SqliteConnection>`.
    let mut conn =
        SyncConnectionWrapper::<SqliteConnection>::establish(&path.display().to_string())
            .await
            .unwrap();
    let async_ids = conn
        .transaction::<_, diesel::result::Error, _>(async move |conn| {
            let one = Record::enqueue_in(&mut *conn, note("diesel-async")).await?;
            let generic = enqueue_any::<Record, _, _>(&mut *conn, "diesel-async generic").await?;
            Ok(vec![one, generic])
        })
        .await
        .unwrap();

    let committed = [vec![sea_txn, sea_generic, sea_db], diesel_ids, async_ids].concat();
    assert_eq!(committed.len(), 9);
    for id in committed {
        let job = store
            .job_get(id)
            .await
            .unwrap()
            .expect("a committed job exists");
        assert_eq!(job.state, JobState::Available, "job {id}");
        assert_eq!(job.queue, "adapters");
    }
    // SQLite hands a rolled-back job's id out again, so count the rows instead.
    let rows = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM tranq_jobs",
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = rows.try_get("", "n").unwrap();
    assert_eq!(n, 9, "only the committed jobs exist");
    std::fs::remove_dir_all(&dir).ok();
}
