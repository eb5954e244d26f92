//! `tranq migrate --print`: the schema's SQL, for users who apply schema changes by hand or
//! through their own migration tool.

use std::fmt::Write as _;

use tranq::Dialect;

/// A dialect named on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum DialectArg {
    /// PostgreSQL 13+.
    Postgres,
    /// MariaDB 10.6+.
    Mysql,
    /// SQLite 3.42+.
    Sqlite,
}

impl From<DialectArg> for Dialect {
    fn from(arg: DialectArg) -> Dialect {
        match arg {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql => Dialect::MySql,
            DialectArg::Sqlite => Dialect::Sqlite,
        }
    }
}

/// The dialect of a database URL, from its scheme.
pub(crate) fn dialect_of(url: &str) -> Result<Dialect, String> {
    let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
    match scheme {
        "postgres" | "postgresql" => Ok(Dialect::Postgres),
        "mysql" | "mariadb" => Ok(Dialect::MySql),
        "sqlite" => Ok(Dialect::Sqlite),
        other => Err(format!(
            "unsupported database {other:?} in the URL: use postgres://, mysql:// or sqlite://"
        )),
    }
}

/// Every migration of `dialect`, oldest first, each under a comment naming it: exactly the SQL
/// `tranq migrate` runs.
pub(crate) fn sql(dialect: Dialect) -> String {
    let mut out = String::new();
    for m in tranq::migrations(dialect) {
        let _ = writeln!(out, "-- tranq migration {}: {}", m.version, m.name);
        out.push_str(m.up.trim_end());
        out.push_str(";\n\n");
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_dialect_comes_from_the_url_scheme() {
        assert_eq!(dialect_of("postgres://u@h/db"), Ok(Dialect::Postgres));
        assert_eq!(dialect_of("mysql://root@h/db"), Ok(Dialect::MySql));
        assert_eq!(dialect_of("sqlite://x.db?mode=rwc"), Ok(Dialect::Sqlite));
        assert!(
            dialect_of("oracle://h")
                .unwrap_err()
                .contains("postgres://")
        );
    }
}
