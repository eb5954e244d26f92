//! The assertions read through a caller's own connection or open transaction, so that a test
//! sees the jobs its transaction enqueued before the commit.

use crate::testing::TestingError;
use crate::{JobId, JobInfo, Task};
use tranq_core::testing::{decode, find, found_unexpected, not_found, page_query, read_page};

fn or_panic<T: Task>(
    jobs: Result<Vec<(JobInfo, T::Args)>, TestingError>,
) -> Vec<(JobInfo, T::Args)> {
    match jobs {
        Ok(jobs) => jobs,
        Err(error) => panic!("cannot read the enqueued jobs: {error}"),
    }
}

fn expect_found<T: Task>(
    jobs: Result<Vec<(JobInfo, T::Args)>, TestingError>,
    matches: impl Fn(&T::Args) -> bool,
) -> JobInfo {
    let jobs = or_panic::<T>(jobs);
    match find::<T>(&jobs, &matches) {
        Some(job) => job,
        None => panic!("{}", not_found::<T>(&jobs, "")),
    }
}

fn expect_none<T: Task>(
    jobs: Result<Vec<(JobInfo, T::Args)>, TestingError>,
    matches: impl Fn(&T::Args) -> bool,
) {
    let jobs = or_panic::<T>(jobs);
    if let Some(job) = find::<T>(&jobs, &matches) {
        panic!("{}", found_unexpected::<T>(&job));
    }
}

/// Every job of task `T` visible on `conn`, with its arguments: on a `&DatabaseTransaction`,
/// the jobs it enqueued too, before its commit.
#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub async fn enqueued_in<T: Task, C: sea_orm::ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(JobInfo, T::Args)>, TestingError> {
    let mut jobs = Vec::new();
    let mut after = JobId(0);
    loop {
        let rows =
            tranq_sea_orm::fetch_on(conn, |dialect| page_query(dialect, T::NAME, after)).await?;
        let (page, next) = read_page(&rows)?;
        jobs.extend(page);
        match next {
            Some(next) => after = next,
            None => return decode::<T>(jobs),
        }
    }
}

/// [`assert_enqueued`](super::assert_enqueued) through `conn` (SeaORM): on the test's open
/// `&DatabaseTransaction`, it sees the jobs enqueued in it before the commit.
///
/// # Panics
///
/// When no job matches, listing the jobs of `T` there are.
#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub async fn assert_enqueued_in<T: Task, C: sea_orm::ConnectionTrait>(
    conn: &C,
    matches: impl Fn(&T::Args) -> bool,
) -> JobInfo {
    expect_found::<T>(enqueued_in::<T, C>(conn).await, matches)
}

/// [`assert_not_enqueued`](super::assert_not_enqueued) through `conn` (SeaORM).
///
/// # Panics
///
/// When a job matches, naming it.
#[cfg(feature = "sea-orm")]
#[cfg_attr(docsrs, doc(cfg(feature = "sea-orm")))]
pub async fn assert_not_enqueued_in<T: Task, C: sea_orm::ConnectionTrait>(
    conn: &C,
    matches: impl Fn(&T::Args) -> bool,
) {
    expect_none::<T>(enqueued_in::<T, C>(conn).await, matches);
}

/// The same reads through a Diesel connection (inside `conn.transaction(|conn| ...)`, before
/// the commit); Diesel is blocking, so these are too.
#[cfg(feature = "diesel")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel")))]
pub mod diesel {
    use super::*;
    use tranq_diesel::TranqConnection;

    /// Every job of task `T` visible on `conn`, with its arguments.
    pub fn enqueued_in<T: Task, C: TranqConnection>(
        conn: &mut C,
    ) -> Result<Vec<(JobInfo, T::Args)>, TestingError> {
        let mut jobs = Vec::new();
        let mut after = JobId(0);
        loop {
            let query = page_query(C::DIALECT, T::NAME, after)?;
            let rows = conn
                .tranq_fetch(&query)
                .map_err(|e| TestingError::database("read the jobs", e))?;
            let (page, next) = read_page(&rows)?;
            jobs.extend(page);
            match next {
                Some(next) => after = next,
                None => return decode::<T>(jobs),
            }
        }
    }

    /// [`assert_enqueued`](crate::testing::assert_enqueued) through `conn`.
    ///
    /// # Panics
    ///
    /// When no job matches, listing the jobs of `T` there are.
    pub fn assert_enqueued_in<T: Task, C: TranqConnection>(
        conn: &mut C,
        matches: impl Fn(&T::Args) -> bool,
    ) -> JobInfo {
        expect_found::<T>(enqueued_in::<T, C>(conn), matches)
    }

    /// [`assert_not_enqueued`](crate::testing::assert_not_enqueued) through `conn`.
    ///
    /// # Panics
    ///
    /// When a job matches, naming it.
    pub fn assert_not_enqueued_in<T: Task, C: TranqConnection>(
        conn: &mut C,
        matches: impl Fn(&T::Args) -> bool,
    ) {
        expect_none::<T>(enqueued_in::<T, C>(conn), matches);
    }
}

/// The same reads through a diesel-async connection (inside
/// `conn.transaction(async move |conn| ...)`, before the commit).
#[cfg(feature = "diesel-async")]
#[cfg_attr(docsrs, doc(cfg(feature = "diesel-async")))]
pub mod diesel_async {
    use super::*;
    use tranq_diesel_async::TranqAsyncConnection;

    /// Every job of task `T` visible on `conn`, with its arguments.
    pub async fn enqueued_in<T: Task, C: TranqAsyncConnection>(
        conn: &mut C,
    ) -> Result<Vec<(JobInfo, T::Args)>, TestingError> {
        let mut jobs = Vec::new();
        let mut after = JobId(0);
        loop {
            let query = page_query(C::DIALECT, T::NAME, after)?;
            let rows = conn
                .tranq_fetch(&query)
                .await
                .map_err(|e| TestingError::database("read the jobs", e))?;
            let (page, next) = read_page(&rows)?;
            jobs.extend(page);
            match next {
                Some(next) => after = next,
                None => return decode::<T>(jobs),
            }
        }
    }

    /// [`assert_enqueued`](crate::testing::assert_enqueued) through `conn`.
    ///
    /// # Panics
    ///
    /// When no job matches, listing the jobs of `T` there are.
    pub async fn assert_enqueued_in<T: Task, C: TranqAsyncConnection>(
        conn: &mut C,
        matches: impl Fn(&T::Args) -> bool,
    ) -> JobInfo {
        expect_found::<T>(enqueued_in::<T, C>(conn).await, matches)
    }

    /// [`assert_not_enqueued`](crate::testing::assert_not_enqueued) through `conn`.
    ///
    /// # Panics
    ///
    /// When a job matches, naming it.
    pub async fn assert_not_enqueued_in<T: Task, C: TranqAsyncConnection>(
        conn: &mut C,
        matches: impl Fn(&T::Args) -> bool,
    ) {
        expect_none::<T>(enqueued_in::<T, C>(conn).await, matches);
    }
}
