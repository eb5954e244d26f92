//! The schema a user reads in `migrations/<dialect>/` at the top of the repository is the schema
//! tranq runs: tranq-core embeds its own copy (`crates/tranq-core/migrations/`, so that the crate
//! packages on its own), and this test keeps the two identical.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use tranq::Dialect;

#[test]
fn the_top_level_migrations_are_the_ones_tranq_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (dialect, folder) in [
        (Dialect::Postgres, "postgres"),
        (Dialect::MySql, "mysql"),
        (Dialect::Sqlite, "sqlite"),
    ] {
        let embedded = tranq::migrations(dialect);
        for dir in ["migrations", "crates/tranq-core/migrations"] {
            let dir = root.join(dir).join(folder);
            let files = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .count();
            assert_eq!(
                files,
                embedded.len() * 2,
                "{}: one .up.sql and one .down.sql per migration tranq runs",
                dir.display()
            );
            for m in embedded {
                for (suffix, sql) in [("up", m.up), ("down", m.down)] {
                    let path = dir.join(format!("{}.{suffix}.sql", m.name));
                    let text = std::fs::read_to_string(&path)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    assert_eq!(
                        text,
                        sql,
                        "{} differs from what tranq runs: copy crates/tranq-core/migrations/ over migrations/",
                        path.display()
                    );
                }
            }
        }
    }
}
