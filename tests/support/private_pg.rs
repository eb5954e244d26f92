//! A private PostgreSQL 15 server that a test (or the chaos binary) may stop, crash and restart
//! without disturbing anything else: `initdb` and `pg_ctl` from Debian's versioned folder (not
//! on PATH), run as the `postgres` user when we are root (the server refuses to run as root), on
//! a free port, with its data in a fresh temp dir. Dropping it stops the server and removes the
//! dir. Standard library only, so that any crate can include it with `#[path]`.
#![allow(dead_code)]

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where Debian installs the PostgreSQL 15 server binaries; `TRANQ_PG_BIN` overrides it.
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";

/// How `stop` ends the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopMode {
    /// Disconnects clients, checkpoints, exits (`pg_ctl stop -m fast`).
    Fast,
    /// Kills the server without a checkpoint: a crash, recovered from the WAL at the next start
    /// (`pg_ctl stop -m immediate`).
    Immediate,
}

/// A running private server.
#[derive(Debug)]
pub struct PrivatePostgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// Creates a cluster in a new temp dir and starts it on a free port.
    pub fn start() -> io::Result<Self> {
        let bin = std::env::var_os("TRANQ_PG_BIN")
            .map_or_else(|| PathBuf::from(DEFAULT_BIN), PathBuf::from);
        if !bin.join("initdb").exists() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "{} has no initdb: install the PostgreSQL 15 server or set TRANQ_PG_BIN",
                    bin.display()
                ),
            ));
        }
        let as_postgres = is_root();
        let dir = std::env::temp_dir().join(format!(
            "tranq-pg-{}-{}",
            std::process::id(),
            unique_suffix()
        ));
        std::fs::create_dir_all(&dir)?;
        if as_postgres {
            check(
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&dir)
                    .output()?,
                "chown",
            )?;
        }
        let port = free_port()?;
        let pg = PrivatePostgres {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = pg.data_dir();
        pg.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        pg.start_again()?;
        Ok(pg)
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL of database `db` on this server.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Stops the server and waits until it is down.
    pub fn stop(&self, mode: StopMode) -> io::Result<()> {
        let mode = match mode {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        };
        let data = self.data_dir();
        self.run(
            "pg_ctl",
            &["stop", "-D", path_str(&data)?, "-m", mode, "-w", "-t", "30"],
        )
    }

    /// Starts the (stopped) server again and waits until it accepts connections.
    pub fn start_again(&self) -> io::Result<()> {
        let data = self.data_dir();
        let log = self.dir.join("server.log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            self.port,
            path_str(&self.dir)?
        );
        self.run(
            "pg_ctl",
            &[
                "start",
                "-D",
                path_str(&data)?,
                "-l",
                path_str(&log)?,
                "-o",
                &options,
                "-w",
                "-t",
                "60",
            ],
        )?;
        // pg_ctl -w waits for the socket; make sure TCP answers too.
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "server did not listen",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Stops the server, waits `down` and starts it again.
    pub fn restart(&self, mode: StopMode, down: Duration) -> io::Result<()> {
        self.stop(mode)?;
        std::thread::sleep(down);
        self.start_again()
    }

    /// The server's log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// Runs one of the server's binaries, as `postgres` when we are root.
    fn run(&self, program: &str, args: &[&str]) -> io::Result<()> {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null());
        check(command.output()?, program)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.stop(StopMode::Immediate);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn check(output: Output, what: &str) -> io::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )))
}

fn path_str(path: &Path) -> io::Result<&str> {
    path.to_str()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "temp dir is not UTF-8"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}
