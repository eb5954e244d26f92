//! The worker processes of a chaos run: started from this binary (`chaos worker`), SIGKILLed
//! or SIGTERMed, and what the run log needs to know about each end.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::SliceRandom;

use crate::child::Settings;
use crate::runs::now_us;

/// Graceful shutdown's wait for running jobs.
pub(crate) const GRACE: Duration = Duration::from_secs(3);
/// Slots of each worker.
const CONCURRENCY: u32 = 8;

struct Process {
    child: Child,
    pid: u32,
}

/// The worker processes, running and stopping.
pub(crate) struct Fleet {
    url: String,
    settings: Settings,
    logs: PathBuf,
    live: Vec<Process>,
    stopping: Vec<Process>,
    started: u32,
    /// `(pid, when)` of every SIGKILL.
    pub(crate) kills: Vec<(u32, i64)>,
    /// `(pid, when its unfinished runs were over at the latest)` of every SIGTERM.
    pub(crate) stops: Vec<(u32, i64)>,
    /// Workers that exited without being told to.
    pub(crate) unexpected_exits: u32,
    /// Workers that did not exit cleanly after SIGTERM.
    pub(crate) unclean_exits: u32,
}

impl Fleet {
    pub(crate) fn new(url: &str, lease: Duration, logs: PathBuf) -> Self {
        Fleet {
            url: url.to_owned(),
            settings: Settings {
                concurrency: CONCURRENCY,
                lease,
                grace: GRACE,
            },
            logs,
            live: Vec::new(),
            stopping: Vec::new(),
            started: 0,
            kills: Vec::new(),
            stops: Vec::new(),
            unexpected_exits: 0,
            unclean_exits: 0,
        }
    }

    /// Notes workers that ended, then starts new ones until `n` run.
    pub(crate) fn fill(&mut self, n: usize) -> Result<(), String> {
        self.reap();
        while self.live.len() < n {
            self.started += 1;
            let log = self.logs.join(format!("worker-{}.log", self.started));
            let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
            let err = out.try_clone().map_err(|e| e.to_string())?;
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            let mut command = Command::new(exe);
            self.settings.apply(&self.url, &mut command);
            let child = command
                .arg("worker")
                .stdin(Stdio::null())
                .stdout(out)
                .stderr(err)
                .spawn()
                .map_err(|e| format!("cannot start a worker: {e}"))?;
            let pid = child.id();
            self.live.push(Process { child, pid });
        }
        Ok(())
    }

    fn reap(&mut self) {
        let mut live = Vec::new();
        for mut p in self.live.drain(..) {
            match p.child.try_wait() {
                Ok(None) => live.push(p),
                _ => {
                    self.unexpected_exits += 1;
                    self.stops.push((p.pid, now_us()));
                }
            }
        }
        self.live = live;
        let mut stopping = Vec::new();
        for mut p in self.stopping.drain(..) {
            match p.child.try_wait() {
                Ok(None) => stopping.push(p),
                Ok(Some(status)) if status.success() => {}
                _ => self.unclean_exits += 1,
            }
        }
        self.stopping = stopping;
    }

    /// SIGKILLs `n` running workers chosen at random; returns how many.
    pub(crate) fn kill_random(&mut self, rng: &mut impl Rng, n: usize) -> usize {
        self.live.shuffle(rng);
        let n = n.min(self.live.len());
        for mut p in self.live.drain(..n) {
            let _ = p.child.kill();
            self.kills.push((p.pid, now_us()));
            let _ = p.child.wait();
        }
        n
    }

    /// SIGTERMs one running worker chosen at random; it shuts down in the background.
    pub(crate) fn terminate_random(&mut self, rng: &mut impl Rng) -> bool {
        if self.live.is_empty() {
            return false;
        }
        let i = rng.random_range(0..self.live.len());
        let p = self.live.swap_remove(i);
        self.terminate(p);
        true
    }

    fn terminate(&mut self, p: Process) {
        let sent = now_us();
        let _ = Command::new("kill")
            .args(["-TERM", &p.pid.to_string()])
            .status();
        let grace = i64::try_from(GRACE.as_micros()).unwrap_or(i64::MAX);
        self.stops.push((p.pid, sent + grace));
        self.stopping.push(p);
    }

    /// SIGTERMs every worker and waits for them to exit (SIGKILL after `within`).
    pub(crate) async fn stop_all(&mut self, within: Duration) {
        self.reap();
        let live: Vec<Process> = self.live.drain(..).collect();
        for p in live {
            self.terminate(p);
        }
        let deadline = Instant::now() + within;
        while !self.stopping.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
            self.reap();
        }
        for mut p in self.stopping.drain(..) {
            let _ = p.child.kill();
            let _ = p.child.wait();
            self.unclean_exits += 1;
        }
    }

    pub(crate) fn started(&self) -> u32 {
        self.started
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for p in self.live.iter_mut().chain(self.stopping.iter_mut()) {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}
