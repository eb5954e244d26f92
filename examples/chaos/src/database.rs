//! The database a chaos run works on, and the ways it is disturbed.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::Target;
use crate::private_pg::{PrivatePostgres, StopMode};
use crate::url::with_database;

/// A fresh database of the chosen kind.
pub(crate) struct ChaosDb {
    pub(crate) target: Target,
    pub(crate) url: String,
    /// The driver's own pool (enqueues and checks).
    pub(crate) db: DatabaseConnection,
    /// A connection to another database of the same server, for admin statements.
    admin: Option<DatabaseConnection>,
    name: String,
    private: Option<PrivatePostgres>,
}

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("tranq_chaos_{nanos}")
}

async fn connect(url: &str) -> Result<DatabaseConnection, String> {
    tranq::sea_orm::connect(url)
        .await
        .map_err(|e| e.to_string())
}

async fn execute(db: &DatabaseConnection, sql: &str) -> Result<(), String> {
    db.execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}

impl ChaosDb {
    pub(crate) async fn open(target: Target) -> Result<Self, String> {
        let name = unique_name();
        let (url, admin, private) = match target {
            Target::PrivatePostgres => {
                let pg = tokio::task::spawn_blocking(PrivatePostgres::start)
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| format!("cannot start a private PostgreSQL: {e}"))?;
                let admin = connect(&pg.url("postgres")).await?;
                execute(&admin, &format!("CREATE DATABASE {name}")).await?;
                (pg.url(&name), Some(admin), Some(pg))
            }
            Target::Postgres | Target::Mysql => {
                let (env, default) = if target == Target::Postgres {
                    (
                        "TRANQ_TEST_POSTGRES_URL",
                        "postgres://postgres@127.0.0.1:5432/test",
                    )
                } else {
                    ("TRANQ_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
                };
                let server = std::env::var(env).unwrap_or_else(|_| default.to_owned());
                let admin = connect(&server).await?;
                execute(&admin, &format!("CREATE DATABASE {name}")).await?;
                (with_database(&server, &name), Some(admin), None)
            }
            Target::Sqlite => {
                let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/tranq-test");
                std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
                (format!("sqlite://{dir}/{name}.db?mode=rwc"), None, None)
            }
        };
        let db = connect(&url).await?;
        Ok(ChaosDb {
            target,
            url,
            db,
            admin,
            name,
            private,
        })
    }

    /// True when the server can be restarted (a private one).
    pub(crate) fn can_restart(&self) -> bool {
        self.private.is_some()
    }

    /// True when connections can be cut (a server).
    pub(crate) fn can_cut(&self) -> bool {
        self.admin.is_some()
    }

    /// Stops the private server (`crash`: without a checkpoint), waits `down`, starts it again.
    pub(crate) async fn restart(&self, crash: bool, down: Duration) -> Result<(), String> {
        let Some(pg) = &self.private else {
            return Err("only a private server can be restarted".into());
        };
        let mode = if crash {
            StopMode::Immediate
        } else {
            StopMode::Fast
        };
        pg.stop(mode).map_err(|e| e.to_string())?;
        tokio::time::sleep(down).await;
        pg.start_again().map_err(|e| format!("{e}\n{}", pg.log()))
    }

    /// Ends every connection to the chaos database; returns how many.
    pub(crate) async fn cut_connections(&self) -> Result<u64, String> {
        let Some(admin) = &self.admin else {
            return Err("no server to cut connections on".into());
        };
        let name = &self.name;
        match self.target {
            Target::Mysql => {
                let list = format!(
                    "SELECT ID FROM information_schema.PROCESSLIST \
                     WHERE DB = '{name}' AND ID <> CONNECTION_ID()"
                );
                let rows = admin
                    .query_all_raw(Statement::from_string(DbBackend::MySql, list))
                    .await
                    .map_err(|e| e.to_string())?;
                let mut killed = 0;
                for row in rows {
                    let id: i64 = row.try_get_by_index(0).map_err(|e| e.to_string())?;
                    if execute(admin, &format!("KILL {id}")).await.is_ok() {
                        killed += 1;
                    }
                }
                Ok(killed)
            }
            _ => {
                let sql = format!(
                    "SELECT count(pg_terminate_backend(pid))::bigint FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                );
                let row = admin
                    .query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or("no row")?;
                let n: i64 = row.try_get_by_index(0).map_err(|e| e.to_string())?;
                Ok(u64::try_from(n).unwrap_or(0))
            }
        }
    }

    /// Drops the database (a private server goes away with its dir).
    pub(crate) async fn close(self) {
        self.db.close().await.ok();
        match (self.target, &self.admin) {
            (Target::Sqlite, _) => {
                let path = self.url.trim_start_matches("sqlite://");
                let path = path.split('?').next().unwrap_or(path);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            (Target::Postgres, Some(admin)) => {
                let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
                let _ = execute(admin, &sql).await;
            }
            (Target::Mysql, Some(admin)) => {
                let _ = execute(admin, &format!("DROP DATABASE IF EXISTS {}", self.name)).await;
            }
            _ => {}
        }
        if let Some(admin) = self.admin {
            admin.close().await.ok();
        }
        drop(self.private);
    }
}
