//! `tranq relay` as an operator runs it: the built binary relays the events of a SQLite
//! database to the shared NATS server (`TRANQ_TEST_NATS_URL`, default 127.0.0.1:4222), creating
//! its stream; the committed events arrive once each, the rolled-back ones never; SIGTERM stops
//! it cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::TransactionTrait;
use tranq::relay::{Event, Publish, async_nats};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tranq_relay_publishes_committed_events_once_and_stops_on_sigterm() {
    let id = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros()
    );
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("relay-{id}.db"));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let nats_url =
        std::env::var("TRANQ_TEST_NATS_URL").unwrap_or_else(|_| "127.0.0.1:4222".to_owned());
    let stream = format!("TRANQ_CLI_{id}");
    let prefix = format!("tranq-cli.{id}");

    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();
    for (tag, commit) in [("kept", true), ("dropped", false)] {
        let txn = db.begin().await.unwrap();
        let events = (0..5).map(|i| Event::new(format!("{prefix}.{tag}"), format!("{tag}-{i}")));
        Publish::enqueue_many_in(&txn, events).await.unwrap();
        if commit {
            txn.commit().await.unwrap();
        } else {
            txn.rollback().await.unwrap();
        }
    }

    let relay = Command::new(env!("CARGO_BIN_EXE_tranq"))
        .args(["relay", "--database-url", &url, "--nats-url", &nats_url])
        .args(["--stream", &stream, "--subjects", &format!("{prefix}.>")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let client = async_nats::connect(&nats_url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut info = loop {
        if let Ok(mut s) = js.get_stream(&stream).await
            && s.info().await.unwrap().state.messages >= 5
        {
            break s;
        }
        assert!(Instant::now() < deadline, "the events did not arrive");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Give a stray copy the time to show up before counting.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(info.info().await.unwrap().state.messages, 5);
    let mut payloads = Vec::new();
    for seq in 1..=5 {
        let message = info.get_raw_message(seq).await.unwrap();
        payloads.push(String::from_utf8(message.payload.to_vec()).unwrap());
    }
    payloads.sort();
    assert_eq!(payloads, ["kept-0", "kept-1", "kept-2", "kept-3", "kept-4"]);

    let status = Command::new("kill")
        .args(["-TERM", &relay.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = relay.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tranq relay exited with {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    js.delete_stream(&stream).await.unwrap();
    db.close().await.ok();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
