//! The demo's side of the worker process: start it, SIGKILL it, stop it gracefully.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::progress::Progress;
use crate::worker::{DATABASE_URL_ENV, READY};

/// How long a new worker process may take to say it is ready.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a graceful stop may take before the process is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

type Error = Box<dyn std::error::Error>;

/// A running `demo worker` child process.
pub(crate) struct WorkerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    pid: u32,
}

impl WorkerProcess {
    /// Starts `<this binary> worker` on `url` and waits until it is ready. Its log lines are
    /// printed above the progress bars.
    pub(crate) async fn start(url: &str, ui: &Progress) -> Result<Self, Error> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("worker")
            .env(DATABASE_URL_ENV, url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().ok_or("the worker process exited at once")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let stderr = child.stderr.take().ok_or("no stderr pipe")?;
        let logs = ui.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                logs.println(format!("  worker {pid}: {line}"));
            }
        });
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(START_TIMEOUT, lines.next_line()).await;
        match ready {
            Ok(Ok(Some(line))) if line == READY => {}
            _ => return Err(format!("worker process {pid} did not start").into()),
        }
        Ok(WorkerProcess { child, stdin, pid })
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// SIGKILL: no graceful shutdown, its claimed jobs keep their leases until they expire.
    pub(crate) async fn kill(mut self) -> Result<(), Error> {
        self.child.start_kill()?;
        self.child.wait().await?;
        Ok(())
    }

    /// Closes its standard input, which starts a graceful shutdown, and waits for it to exit.
    pub(crate) async fn stop(mut self) -> Result<(), Error> {
        drop(self.stdin.take());
        let status = match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(status) => status?,
            Err(_) => {
                self.child.start_kill()?;
                return Err(format!("worker process {} did not stop in time", self.pid).into());
            }
        };
        if !status.success() {
            return Err(format!("worker process {} exited with {status}", self.pid).into());
        }
        Ok(())
    }
}
