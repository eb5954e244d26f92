//! `tranq migrate --print`: the SQL it prints is the schema tranq runs, and applying it by hand
//! gives a database tranq can use.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use sea_orm::ConnectionTrait;
use tranq::internal::Store as _;

fn tranq(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

#[tokio::test]
async fn printed_sql_applied_by_hand_gives_a_working_schema() {
    let out = tranq(&["migrate", "--print", "--dialect", "sqlite"]);
    assert!(out.status.success(), "{out:?}");
    let sql = String::from_utf8(out.stdout).unwrap();
    for m in tranq::migrations(tranq::Dialect::Sqlite) {
        assert!(
            sql.contains(m.up.trim_end()),
            "migration {} missing",
            m.name
        );
    }

    let dir = std::env::temp_dir().join(format!("tranq-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("by_hand.sqlite").display());
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    db.execute_unprepared(&sql).await.unwrap();
    let store = tranq::sea_orm::Store::new(db);
    assert_eq!(
        store.job_unknown_tasks(&["default"], &[]).await.unwrap(),
        vec![]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_dialect_can_come_from_the_url_and_a_bad_one_is_named() {
    let out = tranq(&[
        "migrate",
        "--print",
        "--database-url",
        "postgres://u:secret@h/db",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("CREATE TABLE")
    );

    let out = tranq(&["migrate", "--print", "--database-url", "oracle://h/db"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("use postgres://, mysql:// or sqlite://"),
        "{stderr}"
    );
}
