//! The tasks linked into this binary, collected through `inventory`.

use std::collections::HashMap;

use futures::future::BoxFuture;

use crate::error::{Error, Result};
use crate::periodic::PeriodicJob;
use crate::state::StateType;
use crate::task::{Task, TaskContext, TaskOptions, TaskResult};

type Runner = fn(TaskContext, &str) -> Result<BoxFuture<'static, TaskResult>, String>;

/// One `#[task]`, as submitted to `inventory` by the macro.
#[derive(Debug)]
pub struct Registration {
    name: &'static str,
    options: TaskOptions,
    defined_at: (&'static str, u32),
    run: Runner,
    state: Option<StateType>,
    /// The job `#[task(cron = "...")]` declares, if any.
    periodic: fn() -> Option<Result<PeriodicJob>>,
}

inventory::collect!(Registration);

impl Registration {
    /// The registration of task `T`, defined at `file:line`.
    pub const fn of<T: Task>(file: &'static str, line: u32) -> Self {
        Registration {
            name: T::NAME,
            options: T::OPTIONS,
            defined_at: (file, line),
            run: run_erased::<T>,
            state: T::STATE,
            periodic: crate::periodic::declared::<T>,
        }
    }
    /// The shared state the task takes, if any.
    pub fn state(&self) -> Option<StateType> {
        self.state
    }
    /// The task's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// The task's defaults.
    pub fn options(&self) -> TaskOptions {
        self.options
    }
    /// `file:line` of the definition.
    pub fn defined_at(&self) -> String {
        format!("{}:{}", self.defined_at.0, self.defined_at.1)
    }
    /// Reads the arguments and starts the task; `Err` carries the deserialisation error.
    pub(crate) fn start(
        &self,
        ctx: TaskContext,
        args: &str,
    ) -> Result<BoxFuture<'static, TaskResult>, String> {
        (self.run)(ctx, args)
    }
}

fn run_erased<T: Task>(
    ctx: TaskContext,
    args: &str,
) -> Result<BoxFuture<'static, TaskResult>, String> {
    let args: T::Args = serde_json::from_str(args).map_err(|e| {
        format!(
            "arguments do not deserialize into {}: {e}",
            std::any::type_name::<T::Args>()
        )
    })?;
    Ok(T::run(ctx, args))
}

/// The set of tasks a worker can run, by name.
#[derive(Debug, Clone)]
pub struct Registry {
    tasks: HashMap<&'static str, &'static Registration>,
}

impl Registry {
    /// Every `#[task]` linked into this binary. Two tasks sharing a name is an error naming both.
    pub fn from_inventory() -> Result<Self> {
        Self::from_registrations(inventory::iter::<Registration>)
    }

    /// A registry of exactly these registrations.
    pub fn from_registrations(
        all: impl IntoIterator<Item = &'static Registration>,
    ) -> Result<Self> {
        let mut tasks: HashMap<&'static str, &'static Registration> = HashMap::new();
        for reg in all {
            if let Some(first) = tasks.insert(reg.name, reg) {
                let (a, b) = sorted(first.defined_at(), reg.defined_at());
                return Err(Error::DuplicateTask {
                    name: reg.name,
                    first: a,
                    second: b,
                });
            }
        }
        Ok(Registry { tasks })
    }

    /// The task called `name`.
    pub fn get(&self, name: &str) -> Option<&'static Registration> {
        self.tasks.get(name).copied()
    }

    /// The periodic jobs the tasks declare (`#[task(cron = "...")]`), by task name.
    pub(crate) fn periodic_jobs(&self) -> Result<Vec<PeriodicJob>> {
        let mut tasks: Vec<&&Registration> = self.tasks.values().collect();
        tasks.sort_unstable_by_key(|r| r.name);
        tasks.into_iter().filter_map(|r| (r.periodic)()).collect()
    }

    /// All task names, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.tasks.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The tasks whose default queue is one of `queues` and which take a state that `has`
    /// does not have: `(task, state type)`.
    pub(crate) fn missing_states(
        &self,
        queues: &[&str],
        has: impl Fn(StateType) -> bool,
    ) -> Vec<(&'static str, StateType)> {
        let mut missing: Vec<_> = self
            .tasks
            .values()
            .filter(|r| queues.contains(&r.options.queue_name()))
            .filter_map(|r| r.state.filter(|ty| !has(*ty)).map(|ty| (r.name, ty)))
            .collect();
        missing.sort_unstable_by_key(|(name, _)| *name);
        missing
    }

    /// True when some task's default queue is `queue`.
    pub fn has_task_defaulting_to(&self, queue: &str) -> bool {
        self.tasks.values().any(|r| r.options.queue_name() == queue)
    }
}

fn sorted(a: String, b: String) -> (String, String) {
    if a <= b { (a, b) } else { (b, a) }
}
