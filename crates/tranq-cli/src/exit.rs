//! The error every command returns, and the exit code it becomes.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | any other error: a database error, an answer other than yes at a prompt, output that cannot be written |
//! | 2 | usage: arguments that do not parse (clap's own code) |
//! | 3 | no such job |
//! | 4 | the job is in a state the action does not apply to |
//! | 5 | the database is not ready: a bad URL, a server that cannot be reached or refuses, tranq's schema not migrated |
//!
//! With several ids, every id is tried and the code is that of the first that failed.

use std::io;
use std::process::ExitCode;

/// The exit codes, for `--help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  any other error (database error, prompt not answered yes)
  2  usage: bad arguments
  3  no such job
  4  the job is in a state the action does not apply to
  5  database not ready: bad URL, unreachable or refused, schema not migrated";

/// Success.
pub(crate) const OK: u8 = 0;
/// Any error without a code of its own.
pub(crate) const ERROR: u8 = 1;
/// No job has the id given.
pub(crate) const NO_SUCH_JOB: u8 = 3;
/// The job's state does not allow the action.
pub(crate) const WRONG_STATE: u8 = 4;
/// The database cannot be used: URL, connection or schema.
pub(crate) const NOT_READY: u8 = 5;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// What tranq said.
    #[error(transparent)]
    Tranq(#[from] tranq::Error),
    /// No job has this id (the store's own error is for its methods that change jobs).
    #[error("no job {id}: it never existed, or it was pruned or deleted once finished")]
    NoSuchJob {
        /// The id asked for.
        id: i64,
    },
    /// The prompt was answered with anything but yes.
    #[error("aborted: no job was changed")]
    Aborted,
    /// Several jobs were named and some could not be changed (each was reported).
    #[error("{failed} of {total} jobs could not be changed")]
    SomeFailed {
        /// How many failed.
        failed: usize,
        /// How many were named.
        total: usize,
        /// The exit code of the first failure.
        code: u8,
    },
    /// `--all --state S` with an action that never applies to S.
    #[error("cannot {action} {state} jobs: {action} applies to jobs that are {applies_to}")]
    StateNotApplicable {
        /// `retry`, `cancel`, `discard`.
        action: &'static str,
        /// The state given.
        state: tranq::JobState,
        /// The states the action applies to.
        applies_to: &'static str,
    },
    /// Reading the prompt's answer or writing the output failed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// Output that does not serialize as JSON.
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// An error of `migrate` or `bench`, which speak in plain messages.
    #[error("{0}")]
    Other(Box<dyn std::error::Error>),
}

impl CliError {
    /// The process's exit code for this error.
    pub(crate) fn code(&self) -> u8 {
        match self {
            CliError::Tranq(error) => tranq_code(error),
            CliError::NoSuchJob { .. } => NO_SUCH_JOB,
            CliError::SomeFailed { code, .. } => *code,
            CliError::StateNotApplicable { .. } => WRONG_STATE,
            CliError::Aborted | CliError::Io(_) | CliError::Json(_) | CliError::Other(_) => ERROR,
        }
    }

    /// Reports the error on stderr with every password of `url` hidden, and gives the exit code.
    /// Output cut short by its reader (`tranq jobs list | head`) is not an error.
    pub(crate) fn exit(self, url: Option<&str>) -> ExitCode {
        if matches!(&self, CliError::Io(e) if e.kind() == io::ErrorKind::BrokenPipe) {
            return ExitCode::from(OK);
        }
        eprintln!("tranq: {}", scrub(&self.to_string(), url));
        ExitCode::from(self.code())
    }
}

/// The exit code of one of tranq's errors.
pub(crate) fn tranq_code(error: &tranq::Error) -> u8 {
    match error {
        tranq::Error::NoSuchJob { .. } => NO_SUCH_JOB,
        tranq::Error::WrongJobState { .. } => WRONG_STATE,
        tranq::Error::Connect { .. } | tranq::Error::SchemaMissing { .. } => NOT_READY,
        _ => ERROR,
    }
}

/// `message` with the password of `url` replaced by `***`, wherever a driver may have repeated
/// it (tranq's own errors already show the URL redacted).
pub(crate) fn scrub(message: &str, url: Option<&str>) -> String {
    match url.and_then(password) {
        Some(secret) if secret.len() >= 3 => message.replace(secret, "***"),
        _ => message.to_owned(),
    }
}

/// The password in `scheme://user:password@host/...`, if any.
fn password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let credentials = authority.rsplit_once('@')?.0;
    Some(credentials.split_once(':')?.1).filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_scrubbed_from_any_message() {
        let url = Some("postgres://app:s3cret@db:5432/shop");
        assert_eq!(
            scrub("login as app:s3cret failed; s3cret!", url),
            "login as app:*** failed; ***!"
        );
        assert_eq!(
            scrub("no password here", Some("sqlite://x.db")),
            "no password here"
        );
        assert_eq!(scrub("as is", None), "as is");
    }

    #[test]
    fn each_error_has_its_documented_code() {
        let url = tranq::Error::connect("postgres://h/db", "refused");
        assert_eq!(CliError::from(url).code(), 5);
        assert_eq!(CliError::Aborted.code(), 1);
        assert_eq!(CliError::NoSuchJob { id: 7 }.code(), 3);
        assert!(EXIT_CODES_HELP.contains("5  database not ready"));
    }
}
