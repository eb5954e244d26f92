//! Shared application state for tasks (a pool, an HTTP client, config), given to the worker once
//! and handed to every task that asks for it, the way axum hands `State` to handlers.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// A task parameter that receives the worker's state of type `T`:
/// `async fn send(ctx: TaskContext, args: Invoice, State(app): State<App>)`.
///
/// Give the worker the value with [`WorkerBuilder::state`](crate::WorkerBuilder::state);
/// [`WorkerBuilder::build`](crate::WorkerBuilder::build) refuses to build a worker whose tasks ask
/// for a state it was not given. `T` is cloned for each job, so make it cheap to clone (an `Arc`,
/// or a struct of pools and clients, which are handles already).
///
/// ```
/// use tranq_core::{State, TaskContext, TaskError};
///
/// #[derive(Clone)]
/// struct App {
///     greeting: String,
/// }
///
/// // With `#[tranq::task]` on it, this is the task `greet`; a worker built with
/// // `.state(App { .. })` runs it.
/// async fn greet(_ctx: TaskContext, name: String, State(app): State<App>) -> Result<String, TaskError> {
///     Ok(format!("{}, {name}", app.greeting))
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // In a unit test, call the fn with the state directly.
/// let app = App { greeting: "Hello".into() };
/// let said = greet(TaskContext::for_test(1), "Ada".into(), State(app)).await?;
/// assert_eq!(said, "Hello, Ada");
/// # Ok::<(), TaskError>(()) }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State<T>(pub T);

/// `state.method()` reaches the value, as with axum's `State`.
impl<T> std::ops::Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for State<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// What the third parameter of a `#[task]` fn can be: [`State<T>`], under any name it was
/// imported as. What `#[task]` expands to; not for users to implement.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "the third parameter of a #[task] fn is its shared state, `State<T>`: `{Self}` is not",
    label = "write `State(app): State<App>` (`tranq::State`), and give the worker `.state(app)`"
)]
pub trait FromState {
    /// The state's type.
    type Value: Clone + Send + Sync + 'static;
    /// The parameter holding `value`.
    fn from_value(value: Self::Value) -> Self;
}

impl<T: Clone + Send + Sync + 'static> FromState for State<T> {
    type Value = T;

    fn from_value(value: T) -> Self {
        State(value)
    }
}

/// The state type a task takes, recorded with its registration so that a worker can check at
/// build time that it has one: `Some(StateType::of::<App>())` in [`Task::STATE`](crate::Task::STATE).
#[derive(Clone, Copy)]
pub struct StateType {
    id: fn() -> TypeId,
    name: fn() -> &'static str,
}

impl StateType {
    /// The state type `T`.
    pub const fn of<T: 'static>() -> Self {
        StateType {
            id: TypeId::of::<T>,
            name: std::any::type_name::<T>,
        }
    }

    /// The type's name, for messages.
    pub fn name(&self) -> &'static str {
        (self.name)()
    }

    pub(crate) fn id(&self) -> TypeId {
        (self.id)()
    }
}

impl std::fmt::Debug for StateType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Values of several types, one of each, shared by every task of a worker.
#[derive(Clone, Default)]
pub(crate) struct States(Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl States {
    /// Adds `value`, replacing an earlier value of the same type.
    pub(crate) fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        Arc::make_mut(&mut self.0).insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// A clone of the value of type `T`.
    pub(crate) fn get<T: Clone + 'static>(&self) -> Option<T> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|value| value.downcast_ref::<T>())
            .cloned()
    }

    pub(crate) fn has(&self, ty: StateType) -> bool {
        self.0.contains_key(&ty.id())
    }

    /// How many values there are, for `Debug`.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

impl std::fmt::Debug for States {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "States({} values)", self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_comes_back_by_its_type_only() {
        let mut states = States::default();
        states.insert(7_u32);
        states.insert(String::from("config"));
        assert_eq!(states.get::<u32>(), Some(7));
        assert_eq!(states.get::<String>().as_deref(), Some("config"));
        assert_eq!(states.get::<u64>(), None);
        assert!(states.has(StateType::of::<u32>()));
        assert!(!states.has(StateType::of::<i32>()));
        states.insert(8_u32);
        assert_eq!(
            states.get::<u32>(),
            Some(8),
            "a second value of a type replaces the first"
        );
    }
}
