//! The short version of the chaos run, as a test: three rounds on a private PostgreSQL server
//! with two worker processes, one of them stalled alone for longer than its lease. Prints the
//! chaos line; fails on any lost, ghost or doubly-run job, a dropped outcome, a job discarded
//! without running, or a worker that did not shut down; checks that the stall made one worker
//! run two attempts of one job at once and that jobs snoozed forever ended so.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Instant;

fn figure(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line:?}"))
}

#[test]
fn three_chaos_rounds_lose_nothing_and_never_run_a_job_twice_at_once() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_chaos"))
        .args([
            "--rounds",
            "3",
            "--jobs",
            "80",
            "--workers",
            "2",
            "--seed",
            "7",
        ])
        .args(["--stall-secs", "30"])
        .output()
        .expect("run chaos");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("CHAOS "))
        .unwrap_or_else(|| panic!("no CHAOS line:\n{stdout}\n{stderr}"));
    println!("{line} (took {:?})", started.elapsed());
    assert!(output.status.success(), "chaos failed: {line}");
    let committed = figure(line, "committed");
    assert!(committed > 0, "{line}");
    let finished =
        figure(line, "completed") + figure(line, "discarded") + figure(line, "snoozed_forever");
    assert_eq!(finished, committed, "{line}");
    for zero in [
        "lost",
        "ghost",
        "double_while_leased",
        "dropped_outcomes",
        "discarded_unrun",
        "unclean_exits",
    ] {
        assert_eq!(figure(line, zero), 0, "{line}");
    }
    for provoked in ["same_worker_overlaps", "snoozed_forever"] {
        assert!(figure(line, provoked) > 0, "{provoked}: {line}");
    }
}
