//! `tranq bench` as the comparison script runs it, small: the burn-down by worker processes of
//! their own (`--worker-processes`) and by a worker in the bench's process, on a fresh database
//! per run on PostgreSQL, MariaDB and SQLite. The figures are not judged here (that is what the
//! bench is for), only that every job ran once and everything was reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

mod support;

use support::{ALL, Fresh};

const JOBS: u64 = 300;

/// Runs `tranq bench` on `fresh` with `args`; its stdout, after checking it succeeded.
fn bench(fresh: &Fresh, args: &[&str]) -> String {
    let jobs = JOBS.to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args(["bench", "--jobs", &jobs, "--latency-jobs", "5"])
        .args(["--latency-spacing-ms", "1", "--database-url", &fresh.url])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "tranq bench {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The `key=value` numbers of the `RESULT` line.
fn result(stdout: &str, key: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("no RESULT line in:\n{stdout}"));
    line.split(' ')
        .find_map(|field| field.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

#[tokio::test]
async fn worker_processes_share_the_jobs_and_report_each_memory() {
    for db in ALL {
        let fresh = db.fresh("bench_processes").await;
        let stdout = bench(&fresh, &["--worker-processes", "2"]);
        let handled: Vec<u64> = stdout
            .lines()
            .filter(|l| l.starts_with("INFO worker process "))
            .map(|l| {
                assert!(l.contains(" RSS: before="), "{l}");
                l.rsplit_once("handled=").unwrap().1.parse().unwrap()
            })
            .collect();
        assert_eq!(handled.len(), 2, "one RSS line per process:\n{stdout}");
        assert_eq!(
            handled.iter().sum::<u64>(),
            JOBS,
            "{db:?}: every no-op job ran once, in one of the processes: {handled:?}"
        );
        assert!(result(&stdout, "work") > 0.0, "{stdout}");
        // Pickup is measured across processes on the wall clock: never before the commit.
        assert!(result(&stdout, "p50") >= 0.0, "{stdout}");
        fresh.drop().await;
    }
}

#[tokio::test]
async fn an_in_process_worker_drains_the_queue() {
    let fresh = ALL[2].fresh("bench_in_process").await;
    let stdout = bench(&fresh, &["--workers", "2"]);
    assert!(
        stdout.contains("workers=2 worker_processes=none"),
        "{stdout}"
    );
    assert!(!stdout.contains("INFO worker process"), "{stdout}");
    assert!(result(&stdout, "enqueue") > 0.0 && result(&stdout, "p99") >= 0.0);
    fresh.drop().await;
}

#[test]
fn zero_worker_processes_is_refused_saying_what_to_give() {
    let out = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args([
            "bench",
            "--database-url",
            "sqlite://unused.db",
            "--worker-processes",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--worker-processes"), "{stderr}");
}
