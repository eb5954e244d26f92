//! The worker processes of a chaos run: started from this binary (`chaos worker`), SIGKILLed,
//! SIGTERMed or stopped for a while (SIGSTOP, then SIGCONT), and what the run log needs to know
//! about each.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;
use rand::seq::SliceRandom;

use crate::child::{STARTS_DIR, Settings};
use crate::runs::{Stall, now_us};

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
    /// Every SIGSTOP and its SIGCONT.
    pub(crate) stalls: Vec<Stall>,
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
            stalls: Vec::new(),
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
                .env(STARTS_DIR, &self.logs)
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

    /// SIGKILLs `n` running workers chosen at random; returns their pids.
    pub(crate) fn kill_random(&mut self, rng: &mut impl Rng, n: usize) -> Vec<u32> {
        self.live.shuffle(rng);
        let n = n.min(self.live.len());
        let mut killed = Vec::new();
        for mut p in self.live.drain(..n) {
            let _ = p.child.kill();
            self.kills.push((p.pid, now_us()));
            let _ = p.child.wait();
            killed.push(p.pid);
        }
        killed
    }

    /// A running worker chosen at random.
    pub(crate) fn pick(&self, rng: &mut impl Rng) -> Option<u32> {
        if self.live.is_empty() {
            return None;
        }
        Some(self.live[rng.random_range(0..self.live.len())].pid)
    }

    /// SIGTERMs every running worker but `keep`, and waits for them to exit (SIGKILL after
    /// `within`).
    pub(crate) async fn terminate_all_but(&mut self, keep: u32, within: Duration) {
        self.reap();
        let (kept, others): (Vec<Process>, Vec<Process>) =
            self.live.drain(..).partition(|p| p.pid == keep);
        self.live = kept;
        for p in others {
            self.terminate(p);
        }
        self.wait_stopping(within).await;
    }

    /// Stops worker `pid` (SIGSTOP); returns when it is stopped (µs). Its clocks go on
    /// meanwhile: when it resumes, its timers all fire at once.
    pub(crate) async fn stop(&mut self, pid: u32) -> Result<i64, String> {
        signal("STOP", pid)?;
        let asked = Instant::now();
        while !is_stopped(pid) {
            if asked.elapsed() > Duration::from_secs(2) {
                let _ = signal("CONT", pid);
                return Err(format!("worker {pid} did not stop"));
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        Ok(now_us())
    }

    /// Lets worker `pid`, stopped at `stopped_at_us`, go on (SIGCONT), and notes the stall.
    pub(crate) fn resume(&mut self, pid: u32, stopped_at_us: i64) -> Result<Stall, String> {
        let resumed = signal("CONT", pid);
        let stall = Stall {
            pid,
            stopped_at_us,
            resumed_at_us: now_us(),
        };
        self.stalls.push(stall);
        resumed.map(|()| stall)
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
        self.wait_stopping(within).await;
    }

    /// Waits for the workers told to stop to exit (SIGKILL after `within`: unclean).
    async fn wait_stopping(&mut self, within: Duration) {
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

/// Sends `SIG<name>` to `pid`.
fn signal(name: &str, pid: u32) -> Result<(), String> {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .map_err(|e| format!("kill -{name} {pid}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill -{name} {pid}: {status}"))
    }
}

/// True once process `pid` is stopped (state `T` in `/proc/<pid>/stat`; a process that is
/// gone counts as stopped).
fn is_stopped(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // "pid (comm) state ...": the name may hold spaces and parentheses.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .is_none_or(|state| state == "T" || state == "t")
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for p in self.live.iter_mut().chain(self.stopping.iter_mut()) {
            let _ = p.child.kill();
            let _ = p.child.wait();
        }
    }
}
