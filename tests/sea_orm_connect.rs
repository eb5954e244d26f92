//! Connecting: bad database URLs give a typed error that says what is wrong, on every database;
//! processes that open and migrate a new SQLite file at once all succeed.
#![allow(unreachable_pub, clippy::unwrap_used)]

use tranq::Error;

async fn connect_error(url: &str) -> (String, String) {
    match tranq::sea_orm::connect(url).await {
        Err(Error::Connect { url, reason, .. }) => (url, reason),
        Err(other) => panic!("{url}: expected Error::Connect, got {other:?}"),
        Ok(_) => panic!("{url}: connected"),
    }
}

#[tokio::test]
async fn a_url_that_does_not_parse_says_so() {
    let (_, reason) = connect_error("localhost:5432").await;
    assert!(reason.contains("not a URL"), "{reason}");
}

#[tokio::test]
async fn an_unsupported_database_says_which_are_supported() {
    let (_, reason) = connect_error("oracle://scott:tiger@db/orcl").await;
    assert!(
        reason.contains("use postgres://, mysql:// or sqlite://"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_connect_error_with_the_password_hidden() {
    for url in [
        "postgres://app:secret@127.0.0.1:1/shop",
        "mysql://app:secret@127.0.0.1:1/shop",
    ] {
        let (shown, reason) = connect_error(url).await;
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("app:***@127.0.0.1:1"), "{shown}");
        assert!(!reason.is_empty());
    }
}

#[tokio::test]
async fn a_sqlite_file_in_a_missing_directory_is_a_connect_error() {
    let (_, reason) = connect_error("sqlite:///no/such/dir/jobs.db?mode=rwc").await;
    assert!(!reason.is_empty());
}

#[tokio::test]
async fn a_good_sqlite_url_connects_with_a_pool_of_several() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("connect-ok.db");
    let _ = std::fs::remove_file(&path);
    let db = tranq::sea_orm::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    // Two connections at once: a transaction stays open while the store reads.
    use sea_orm::TransactionTrait;
    let txn = db.begin().await.unwrap();
    let store = tranq::sea_orm::Store::new(db.clone());
    assert!(store.job_get(tranq::JobId(1)).await.unwrap().is_none());
    txn.rollback().await.unwrap();
}

/// Several processes starting at once on a new SQLite file (a web server and its workers) each
/// migrate: all succeed and the schema is applied once. Each pool stands for a process: its
/// own connections, no lock shared in memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_migrations_of_a_new_sqlite_file_all_succeed() {
    let dir = std::env::temp_dir().join(format!("tranq-first-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for round in 0..20 {
        let path = dir.join(format!("round-{round}.db"));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let migrations = (0..6).map(|_| {
            let url = url.clone();
            async move {
                let db = tranq::sea_orm::connect(&url).await?;
                tranq::sea_orm::Store::new(db).migrate().await
            }
        });
        for result in futures::future::join_all(migrations).await {
            result.unwrap_or_else(|e| panic!("round {round}: {e}"));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
