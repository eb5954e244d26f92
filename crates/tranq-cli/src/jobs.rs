//! `tranq jobs`: list, show, retry, cancel and discard jobs, over tranq's job-control API
//! (`SqlStore::jobs`, `job_get`, `retry`, `cancel`, `discard`); no SQL of its own.

use std::io::{self, BufRead, Write};

use clap::{Args, Subcommand, ValueEnum};
use serde_json::Value;
use tranq::sea_orm::Store;
use tranq::{JobFilter, JobId, JobInfo, JobState};

use crate::db::DbArgs;
use crate::exit::{CliError, EXIT_CODES_HELP, tranq_code};
use crate::output::{self, Table};

/// Largest page the store returns (and the most `--limit` takes).
const PAGE: u32 = 1000;

/// `tranq jobs ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum JobsCommand {
    /// A page of jobs in id order, by queue, task and state. The next page: `--after <last id>`.
    #[command(after_help = EXIT_CODES_HELP)]
    List(ListArgs),
    /// Everything about one job: state, attempts, every attempt's error, arguments, result, times.
    #[command(after_help = EXIT_CODES_HELP)]
    Show(ShowArgs),
    /// Makes retryable, discarded or cancelled jobs runnable at once (their attempts are kept).
    #[command(after_help = EXIT_CODES_HELP)]
    Retry(ControlArgs),
    /// Cancels waiting jobs (available or retryable): they will not run. A running job is asked
    /// to stop: its handler is told, and the job ends cancelled.
    #[command(after_help = EXIT_CODES_HELP)]
    Cancel(ControlArgs),
    /// Discards waiting jobs (available or retryable): they will not run, and show as given up
    /// on.
    #[command(after_help = EXIT_CODES_HELP)]
    Discard(ControlArgs),
}

/// A job state on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum StateArg {
    /// Waiting to run (scheduled ones too).
    Available,
    /// Claimed by a worker.
    Running,
    /// Failed, will run again.
    Retryable,
    /// Finished successfully.
    Completed,
    /// Given up on.
    Discarded,
    /// Stopped on purpose.
    Cancelled,
}

impl From<StateArg> for JobState {
    fn from(arg: StateArg) -> JobState {
        match arg {
            StateArg::Available => JobState::Available,
            StateArg::Running => JobState::Running,
            StateArg::Retryable => JobState::Retryable,
            StateArg::Completed => JobState::Completed,
            StateArg::Discarded => JobState::Discarded,
            StateArg::Cancelled => JobState::Cancelled,
        }
    }
}

/// Options of `tranq jobs list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Only jobs of this queue.
    #[arg(long)]
    queue: Option<String>,
    /// Only jobs of this task (its name).
    #[arg(long)]
    task: Option<String>,
    /// Only jobs in this state.
    #[arg(long, value_enum)]
    state: Option<StateArg>,
    /// At most this many jobs (1 to 1000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=i64::from(PAGE)))]
    limit: u32,
    /// Only jobs with a larger id: the last id of the previous page.
    #[arg(long, default_value_t = 0)]
    after: i64,
    /// Print a JSON array of jobs instead of a table.
    #[arg(long)]
    json: bool,
}

/// Options of `tranq jobs show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The job's id.
    id: i64,
    /// Print the job as a JSON object.
    #[arg(long)]
    json: bool,
}

/// Options of `tranq jobs retry|cancel|discard`: some ids, or every job of a filter.
#[derive(Debug, Args)]
pub(crate) struct ControlArgs {
    #[command(flatten)]
    db: DbArgs,
    /// The jobs' ids.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    ids: Vec<i64>,
    /// Every job the action applies to, narrowed by --queue, --task and --state; asks for
    /// confirmation with the count first.
    #[arg(long)]
    all: bool,
    /// With --all: only jobs of this queue.
    #[arg(long, requires = "all", conflicts_with = "ids")]
    queue: Option<String>,
    /// With --all: only jobs of this task.
    #[arg(long, requires = "all", conflicts_with = "ids")]
    task: Option<String>,
    /// With --all: only jobs in this state (one the action applies to).
    #[arg(long, value_enum, requires = "all", conflicts_with = "ids")]
    state: Option<StateArg>,
    /// With --all: do not ask for confirmation.
    #[arg(long, short = 'y')]
    yes: bool,
}

/// What `retry`, `cancel` and `discard` do.
#[derive(Debug, Clone, Copy)]
enum Action {
    Retry,
    Cancel,
    Discard,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Cancel => "cancel",
            Action::Discard => "discard",
        }
    }

    fn done(self) -> &'static str {
        match self {
            Action::Retry => "retried",
            Action::Cancel => "cancelled",
            Action::Discard => "discarded",
        }
    }

    /// The states the store's method changes, as `SqlStore::retry` and its siblings document.
    fn states(self) -> &'static [JobState] {
        match self {
            Action::Retry => &[
                JobState::Retryable,
                JobState::Discarded,
                JobState::Cancelled,
            ],
            Action::Cancel => &[JobState::Available, JobState::Retryable, JobState::Running],
            Action::Discard => &[JobState::Available, JobState::Retryable],
        }
    }

    fn applies_to(self) -> &'static str {
        match self {
            Action::Retry => "retryable, discarded or cancelled",
            Action::Cancel => "available, retryable or running",
            Action::Discard => "available or retryable",
        }
    }

    /// Does it to job `id`; says what was done ("asked to cancel" for a running job).
    async fn apply(self, store: &Store, id: JobId) -> tranq::Result<&'static str> {
        match self {
            Action::Retry => store.retry(id).await.map(|()| self.done()),
            Action::Cancel => match store.cancel(id).await? {
                tranq::Cancellation::Requested => Ok("asked to cancel"),
                _ => Ok(self.done()),
            },
            Action::Discard => store.discard(id).await.map(|()| self.done()),
        }
    }
}

/// Runs one `tranq jobs` command.
pub(crate) async fn run(command: JobsCommand) -> Result<(), CliError> {
    match command {
        JobsCommand::List(args) => list(args).await,
        JobsCommand::Show(args) => show(args).await,
        JobsCommand::Retry(args) => control(Action::Retry, args).await,
        JobsCommand::Cancel(args) => control(Action::Cancel, args).await,
        JobsCommand::Discard(args) => control(Action::Discard, args).await,
    }
}

/// The URL a command connects to, for scrubbing its password from messages.
pub(crate) fn database_url(command: &JobsCommand) -> &str {
    match command {
        JobsCommand::List(args) => &args.db.database_url,
        JobsCommand::Show(args) => &args.db.database_url,
        JobsCommand::Retry(args) | JobsCommand::Cancel(args) | JobsCommand::Discard(args) => {
            &args.db.database_url
        }
    }
}

fn filter(queue: Option<&str>, task: Option<&str>, state: Option<JobState>) -> JobFilter {
    let mut filter = JobFilter::new();
    if let Some(queue) = queue {
        filter = filter.queue(queue);
    }
    if let Some(task) = task {
        filter = filter.task(task);
    }
    if let Some(state) = state {
        filter = filter.state(state);
    }
    filter
}

async fn list(args: ListArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    let page = filter(
        args.queue.as_deref(),
        args.task.as_deref(),
        args.state.map(JobState::from),
    )
    .after(JobId(args.after))
    .limit(args.limit);
    let jobs = store.jobs(&page).await?;
    let mut out = io::stdout().lock();
    if args.json {
        let jobs: Vec<Value> = jobs.iter().map(|j| output::job_json(j, None)).collect();
        return output::write_json(&mut out, &Value::Array(jobs));
    }
    if jobs.is_empty() {
        eprintln!("no jobs");
        return Ok(());
    }
    let mut table = Table::new(vec![
        "ID",
        "QUEUE",
        "TASK",
        "STATE",
        "ATTEMPT",
        "RUN AT",
        "LAST ERROR",
    ])
    .right(&[0]);
    for job in &jobs {
        table.row(vec![
            job.id.to_string(),
            job.queue.clone(),
            job.task.clone(),
            job.state.to_string(),
            format!("{}/{}", job.attempt, job.max_attempts),
            output::time_short(job.run_at_us),
            job.errors
                .last()
                .map(|e| one_line(&e.message, 60))
                .unwrap_or_default(),
        ]);
    }
    table.write(&mut out)?;
    if let (Some(last), true) = (jobs.last(), jobs.len() == args.limit as usize) {
        eprintln!("more may follow: --after {}", last.id);
    }
    Ok(())
}

/// `text` on one line, cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

async fn show(args: ShowArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    let id = JobId(args.id);
    let job = store
        .job_get(id)
        .await?
        .ok_or(CliError::NoSuchJob { id: id.0 })?;
    let times = store.job_times(id).await?;
    let mut out = io::stdout().lock();
    if args.json {
        return output::write_json(&mut out, &output::job_json(&job, times.as_ref()));
    }
    write_job(&mut out, &job, times.as_ref())?;
    Ok(())
}

fn write_job(
    out: &mut impl Write,
    job: &JobInfo,
    times: Option<&tranq::JobTimes>,
) -> io::Result<()> {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    writeln!(out, "job {}", job.id)?;
    writeln!(out, "  queue         {}", job.queue)?;
    writeln!(out, "  task          {}", job.task)?;
    writeln!(out, "  state         {}", job.state)?;
    writeln!(
        out,
        "  attempt       {} of {}",
        job.attempt, job.max_attempts
    )?;
    writeln!(out, "  priority      {}", job.priority)?;
    if !job.tags.is_empty() {
        writeln!(out, "  tags          {}", job.tags.join(", "))?;
    }
    writeln!(out, "  run at        {}", output::time(job.run_at_us))?;
    if let Some(times) = times {
        writeln!(out, "  created at    {}", output::time(times.created_at_us))?;
        if let Some(us) = times.attempted_at_us {
            writeln!(out, "  attempted at  {}", output::time(us))?;
        }
        if let Some(us) = times.finished_at_us {
            writeln!(out, "  finished at   {}", output::time(us))?;
        }
        if job.state == JobState::Running {
            if let Some(owner) = &times.lease_owner {
                writeln!(out, "  worker        {owner}")?;
            }
            if let Some(us) = times.lease_expires_at_us {
                writeln!(out, "  lease until   {}", output::time(us))?;
            }
        }
    }
    writeln!(out, "args:")?;
    writeln!(out, "{}", indent(&pretty(&job.args)))?;
    match &job.result {
        Some(result) => {
            writeln!(out, "result:")?;
            writeln!(out, "{}", indent(&pretty(result)))?;
        }
        None => writeln!(out, "result: none")?,
    }
    if job.errors.is_empty() {
        writeln!(out, "errors: none")?;
    } else {
        writeln!(out, "errors:")?;
        for error in &job.errors {
            writeln!(out, "  attempt {} at {}:", error.attempt, error.at)?;
            writeln!(out, "{}", indent(&indent(&error.message)))?;
        }
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn control(action: Action, args: ControlArgs) -> Result<(), CliError> {
    let store = args.db.store().await?;
    if args.all {
        return control_all(action, &store, &args).await;
    }
    if let [id] = args.ids[..] {
        let done = action.apply(&store, JobId(id)).await?;
        println!("{done} job {id}");
        return Ok(());
    }
    let mut failures = Vec::new();
    for &id in &args.ids {
        match action.apply(&store, JobId(id)).await {
            Ok(done) => println!("{done} job {id}"),
            Err(e @ (tranq::Error::NoSuchJob { .. } | tranq::Error::WrongJobState { .. })) => {
                eprintln!("tranq: {e}");
                failures.push(tranq_code(&e));
            }
            Err(e) => return Err(e.into()),
        }
    }
    match failures.first() {
        None => Ok(()),
        Some(&code) => Err(CliError::SomeFailed {
            failed: failures.len(),
            total: args.ids.len(),
            code,
        }),
    }
}

async fn control_all(action: Action, store: &Store, args: &ControlArgs) -> Result<(), CliError> {
    let states = match args.state.map(JobState::from) {
        Some(state) if action.states().contains(&state) => vec![state],
        Some(state) => {
            return Err(CliError::StateNotApplicable {
                action: action.verb(),
                state,
                applies_to: action.applies_to(),
            });
        }
        None => action.states().to_vec(),
    };
    let mut ids = Vec::new();
    for state in states {
        let mut page = filter(args.queue.as_deref(), args.task.as_deref(), Some(state)).limit(PAGE);
        loop {
            let jobs = store.jobs(&page).await?;
            ids.extend(jobs.iter().map(|j| j.id));
            match jobs.last() {
                Some(last) if jobs.len() == PAGE as usize => page = page.after(last.id),
                _ => break,
            }
        }
    }
    ids.sort_unstable();
    let what = describe(action, args);
    if ids.is_empty() {
        eprintln!("no {what}: nothing to {}", action.verb());
        return Ok(());
    }
    if !args.yes && !confirm(&format!("{} {} {what}?", action.verb(), ids.len()))? {
        return Err(CliError::Aborted);
    }
    let (mut done, mut asked, mut skipped) = (0, 0, 0);
    for id in ids {
        match action.apply(store, id).await {
            Ok(what) if what == action.done() => done += 1,
            Ok(_) => asked += 1,
            Err(tranq::Error::NoSuchJob { .. } | tranq::Error::WrongJobState { .. }) => {
                skipped += 1;
            }
            Err(e) => {
                eprintln!("tranq: stopped after {} {done} jobs", action.done());
                return Err(e.into());
            }
        }
    }
    println!("{} {done} jobs", action.done());
    if asked > 0 {
        println!("asked {asked} running jobs to cancel");
    }
    if skipped > 0 {
        eprintln!("{skipped} skipped: they changed state or were deleted meanwhile");
    }
    Ok(())
}

/// `retryable, discarded or cancelled jobs of queue "q", task "t"`, for the prompt.
fn describe(action: Action, args: &ControlArgs) -> String {
    let states = match args.state {
        Some(state) => JobState::from(state).to_string(),
        None => action.applies_to().to_owned(),
    };
    let mut narrowed = Vec::new();
    if let Some(queue) = &args.queue {
        narrowed.push(format!("queue {queue:?}"));
    }
    if let Some(task) = &args.task {
        narrowed.push(format!("task {task:?}"));
    }
    if narrowed.is_empty() {
        format!("{states} jobs")
    } else {
        format!("{states} jobs of {}", narrowed.join(", "))
    }
}

/// Asks `question` on stderr; true only for an answer of y or yes on stdin.
fn confirm(question: &str) -> io::Result<bool> {
    eprint!("{question} [y/N] ");
    io::stderr().flush()?;
    let mut answer = String::new();
    if io::stdin().lock().read_line(&mut answer)? == 0 {
        eprintln!(); // No answer at all (stdin closed): end the prompt's line.
    }
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_cut_to_one_line() {
        assert_eq!(one_line("a\n  b", 10), "a b");
        assert_eq!(one_line("abcdefghijkl", 5), "abcd…");
    }
}
