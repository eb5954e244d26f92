//! NATS for the relay's tests: the shared server (`TRANQ_TEST_NATS_URL`, default
//! 127.0.0.1:4222), a private `nats-server` a test may kill and restart on the same port and
//! store dir (so that its streams survive), a stream per test, and reading a stream back.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use tranq::relay::async_nats::{self, jetstream};

/// The shared server's address.
pub fn url() -> String {
    std::env::var("TRANQ_TEST_NATS_URL").unwrap_or_else(|_| "127.0.0.1:4222".to_owned())
}

/// A JetStream context on `url`, retrying the connection while the server starts.
pub async fn connect(url: &str) -> jetstream::Context {
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to NATS at {url}: {e}"));
    jetstream::new(client)
}

/// A stream of its own for one test: `(name, subject prefix)`; its subjects are `<prefix>.>`.
pub async fn test_stream(js: &jetstream::Context, window: Duration) -> (String, String) {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let name = format!("TRANQ_T_{id}");
    let prefix = format!("tranq-test.{id}");
    tranq::relay::ensure_stream(js, &name, vec![format!("{prefix}.>")], window)
        .await
        .expect("create the test stream");
    (name, prefix)
}

/// One message read back: subject, payload, `Nats-Msg-Id`.
#[derive(Debug, Clone)]
pub struct Read {
    pub subject: String,
    pub payload: String,
    pub msg_id: Option<String>,
}

/// Every message of stream `name`, in stream order.
pub async fn read_stream(js: &jetstream::Context, name: &str) -> Vec<Read> {
    let mut stream = js.get_stream(name).await.expect("get the stream");
    let count = stream.info().await.expect("stream info").state.messages;
    if count == 0 {
        return Vec::new();
    }
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            deliver_policy: jetstream::consumer::DeliverPolicy::All,
            ack_policy: jetstream::consumer::AckPolicy::None,
            ..Default::default()
        })
        .await
        .expect("create a consumer");
    let mut messages = consumer.messages().await.expect("consume");
    let mut out = Vec::new();
    while (out.len() as u64) < count {
        let message = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .expect("the stream's messages arrive")
            .expect("a message")
            .expect("a message, not an error");
        out.push(Read {
            subject: message.subject.to_string(),
            payload: String::from_utf8_lossy(&message.payload).into_owned(),
            msg_id: message
                .headers
                .as_ref()
                .and_then(|h| h.get(tranq::relay::MESSAGE_ID_HEADER))
                .map(|v| v.as_str().to_owned()),
        });
    }
    out
}

/// A private `nats-server` with JetStream, on a free port, its store in a dir of its own.
pub struct PrivateNats {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
}

impl PrivateNats {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/tranq-test")
            .join(format!("nats-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("nats store dir");
        let mut nats = PrivateNats {
            child: None,
            port,
            dir,
        };
        nats.up();
        nats
    }

    pub fn url(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Starts the server (again) and waits until it takes connections.
    pub fn up(&mut self) {
        let bin = std::env::var("TRANQ_NATS_SERVER").unwrap_or_else(|_| "nats-server".to_owned());
        let log = std::fs::File::create(self.dir.join("server.log")).expect("log");
        let child = Command::new(bin)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start nats-server (is it installed? scripts/setup.sh)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILLs the server.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
