//! `tranq bench --worker-processes N`: the burn-down and latency phases with the workers in N
//! processes of their own (`tranq bench-worker`, one worker each), as a deployment runs them.
//!
//! The bench starts every worker process and waits until each has connected (`READY` on its
//! stdout) before its clock starts; then it writes `GO` to each stdin. A worker process reports
//! on stdout how many no-op jobs it has handled (`HANDLED n`, at most every 2 ms, when it
//! changed) and when it started each latency job (`PICKUP index unix_us`: the wall clock is the
//! one clock both processes share). When the bench closes its stdin, the worker process stops
//! its worker gracefully, reports its memory (`RSS ...`) and exits.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::task::JoinHandle;

use crate::bench::{self, ALL_HANDLED, AnyError, HANDLED, TARGET, WorkerOptions};

/// Connections of a worker process's pool.
const CHILD_POOL: u32 = 12;
/// How long a worker process may take to connect, or to stop once told.
const CHILD_TIMEOUT: Duration = Duration::from_secs(30);

/// Set in a `tranq bench-worker` process.
static CHILD: AtomicBool = AtomicBool::new(false);

/// Options of the hidden `tranq bench-worker` command (started by `tranq bench`).
#[derive(Debug, clap::Args)]
pub(crate) struct ChildArgs {
    /// The bench's database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: String,
    #[command(flatten)]
    worker: WorkerOptions,
}

/// Whether this process is a `tranq bench-worker`.
pub(crate) fn is_child() -> bool {
    CHILD.load(Ordering::Relaxed)
}

/// Tells the bench that latency job `index` started at `at_us`.
pub(crate) fn report_pickup(index: usize, at_us: i64) {
    println!("PICKUP {index} {at_us}");
}

/// `tranq bench-worker`: one worker on the bench queue, run from `GO` until stdin closes.
pub(crate) async fn run_child(args: ChildArgs) -> Result<(), AnyError> {
    CHILD.store(true, Ordering::Relaxed);
    let db = bench::connect(&args.database_url, CHILD_POOL).await?;
    let worker = args.worker.build(&db, 0)?;
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    println!("READY");
    if stdin.next_line().await?.as_deref() != Some("GO") {
        return Ok(());
    }
    let rss_before = bench::proc_status_kb("VmRSS");
    let reporter = tokio::spawn(async {
        let mut reported = 0;
        loop {
            let handled = HANDLED.load(Ordering::Relaxed);
            if handled != reported {
                println!("HANDLED {handled}");
                reported = handled;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    });
    worker
        .run_until(async move { while let Ok(Some(_)) = stdin.next_line().await {} })
        .await?;
    reporter.abort();
    println!(
        "RSS before={rss_before} kB after={} kB peak={} kB handled={}",
        bench::proc_status_kb("VmRSS"),
        bench::proc_status_kb("VmHWM"),
        HANDLED.load(Ordering::Relaxed),
    );
    Ok(())
}

/// The worker processes of one bench run.
pub(crate) struct Children {
    processes: Vec<(Child, Option<ChildStdin>)>,
    readers: Vec<JoinHandle<()>>,
    /// The `RSS ...` line of each process, once it stopped.
    rss: Arc<Mutex<Vec<Option<String>>>>,
}

impl Children {
    /// Starts `count` worker processes and waits until each has connected.
    pub(crate) async fn start(
        database_url: &str,
        count: u32,
        options: &WorkerOptions,
    ) -> Result<Self, AnyError> {
        let exe = std::env::current_exe()?;
        let handled = Arc::new(Mutex::new(vec![0u64; count as usize]));
        let rss = Arc::new(Mutex::new(vec![None; count as usize]));
        let mut processes = Vec::new();
        let mut readers = Vec::new();
        let mut ready = Vec::new();
        for index in 0..count as usize {
            let mut child = Command::new(&exe)
                .arg("bench-worker")
                .args(options.to_args())
                .env("DATABASE_URL", database_url)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let stdout = child.stdout.take().ok_or("worker process without stdout")?;
            let stdin = child.stdin.take();
            let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
            ready.push(ready_rx);
            let (handled, rss) = (handled.clone(), rss.clone());
            readers.push(tokio::spawn(async move {
                let mut ready_tx = Some(ready_tx);
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    read_report(&line, index, &handled, &rss, &mut ready_tx);
                }
            }));
            processes.push((child, stdin));
        }
        for (index, ready) in ready.into_iter().enumerate() {
            match tokio::time::timeout(CHILD_TIMEOUT, ready).await {
                Ok(Ok(())) => {}
                _ => {
                    return Err(format!(
                        "worker process {index} did not start (see its stderr above)"
                    )
                    .into());
                }
            }
        }
        Ok(Self {
            processes,
            readers,
            rss,
        })
    }

    /// Lets every worker process start working.
    pub(crate) async fn go(&mut self) -> Result<(), AnyError> {
        for (_, stdin) in &mut self.processes {
            let stdin = stdin.as_mut().ok_or("worker process without stdin")?;
            stdin.write_all(b"GO\n").await?;
            stdin.flush().await?;
        }
        Ok(())
    }

    /// Stops every worker process (gracefully: its stdin closes) and returns their RSS lines.
    pub(crate) async fn stop(mut self) -> Result<Vec<String>, AnyError> {
        for (_, stdin) in &mut self.processes {
            drop(stdin.take());
        }
        for (index, (child, _)) in self.processes.iter_mut().enumerate() {
            let status = tokio::time::timeout(CHILD_TIMEOUT, child.wait())
                .await
                .map_err(|_| format!("worker process {index} did not stop"))??;
            if !status.success() {
                return Err(format!("worker process {index} failed: {status}").into());
            }
        }
        for reader in self.readers {
            reader.await?;
        }
        let rss = self.rss.lock().unwrap_or_else(|p| p.into_inner());
        Ok(rss
            .iter()
            .map(|line| line.clone().unwrap_or_else(|| "not reported".to_owned()))
            .collect())
    }
}

/// Takes in one line of worker process `index`'s stdout.
fn read_report(
    line: &str,
    index: usize,
    handled: &Mutex<Vec<u64>>,
    rss: &Mutex<Vec<Option<String>>>,
    ready: &mut Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut words = line.split(' ');
    match (words.next(), words.next(), words.next()) {
        (Some("READY"), None, None) => {
            if let Some(ready) = ready.take() {
                let _ = ready.send(());
            }
        }
        (Some("HANDLED"), Some(n), None) => {
            let Ok(n) = n.parse() else { return };
            let mut handled = handled.lock().unwrap_or_else(|p| p.into_inner());
            handled[index] = n;
            let total: u64 = handled.iter().sum();
            HANDLED.store(total, Ordering::Relaxed);
            if total >= TARGET.load(Ordering::Relaxed) {
                ALL_HANDLED.notify_one();
            }
        }
        (Some("PICKUP"), Some(job), Some(at_us)) => {
            if let (Ok(job), Ok(at_us)) = (job.parse(), at_us.parse()) {
                bench::picked_up(job, at_us);
            }
        }
        (Some("RSS"), ..) => {
            rss.lock().unwrap_or_else(|p| p.into_inner())[index] =
                Some(line.trim_start_matches("RSS ").to_owned());
        }
        _ => eprintln!("worker process {index}: {line}"),
    }
}
