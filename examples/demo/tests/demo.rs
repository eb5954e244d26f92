//! Runs the demo binary in a short mode against a fresh SQLite file and checks its verdict.

use std::process::Command;

/// The number in the table row that starts with `label`.
fn row(stdout: &str, label: &str) -> Option<u64> {
    stdout
        .lines()
        .find_map(|line| line.trim_start().strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[test]
fn short_demo_loses_nothing_and_runs_nothing_rolled_back() {
    let dir = std::env::temp_dir().join(format!("tranq-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    let db = dir.join("demo.db");
    let output = Command::new(env!("CARGO_BIN_EXE_demo"))
        .args(["--orders", "200", "--database-url"])
        .arg(format!("sqlite://{}?mode=rwc", db.display()))
        .output()
        .expect("run the demo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "demo failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert_eq!(row(&stdout, "jobs lost"), Some(0), "{stdout}");
    assert_eq!(row(&stdout, "ghost invoices"), Some(0), "{stdout}");
    assert_eq!(row(&stdout, "worker restarts"), Some(1), "{stdout}");
    let committed = row(&stdout, "orders committed").expect("a committed count");
    assert!(committed > 150, "{stdout}");
    assert_eq!(row(&stdout, "invoices sent"), Some(committed), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
