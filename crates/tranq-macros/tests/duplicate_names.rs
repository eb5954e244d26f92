//! Two `#[task]`s sharing one name: the registry refuses to build and names both definitions.
//!
//! Alone in its own test binary, because `inventory` collects per binary.

use tranq::{Error, Registry, TaskContext, TaskError};

/// Line of the first `#[tranq::task]` below.
const FIRST_LINE: u32 = line!() + 3;

mod billing {
    #[tranq::task(name = "notify")]
    pub(crate) async fn notify(
        _ctx: super::TaskContext,
        _order: i64,
    ) -> Result<(), super::TaskError> {
        Ok(())
    }
}

/// Line of the second `#[tranq::task]` below.
const SECOND_LINE: u32 = line!() + 3;

mod mail {
    #[tranq::task(name = "notify")]
    pub(crate) async fn notify(
        _ctx: super::TaskContext,
        _user: String,
    ) -> Result<(), super::TaskError> {
        Ok(())
    }
}

#[test]
fn duplicate_task_names_are_an_error_naming_both_definitions() {
    let Err(error) = Registry::from_inventory() else {
        panic!("a registry with two tasks named `notify` was built");
    };
    let message = error.to_string();
    let Error::DuplicateTask {
        name,
        first,
        second,
        ..
    } = error
    else {
        panic!("expected DuplicateTask, got {message}");
    };
    assert_eq!(name, "notify");
    let file = file!();
    assert_eq!(first, format!("{file}:{FIRST_LINE}"));
    assert_eq!(second, format!("{file}:{SECOND_LINE}"));
    assert!(
        message.contains(&first) && message.contains(&second),
        "{message}"
    );
}
