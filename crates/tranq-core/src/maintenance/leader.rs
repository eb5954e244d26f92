//! The leader lease: at most one worker at a time runs the leader-only maintenance (the pruner).
//! A worker is elected by inserting the lease row when there is none (an expired one is deleted
//! first), stays leader by pushing the row's expiry forward with a conditional update, and
//! resigns at shutdown so another worker takes over at once. Expiry is judged by the database's
//! clock, so worker hosts' clocks do not matter; a worker also stops acting as leader when it
//! could not renew within the lease, measured on its own monotonic clock.

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::store::{LeaderParams, Store};

/// How long a leadership lasts unless renewed; the leader renews it every third of it, and the
/// other workers try to be elected as often.
pub const DEFAULT_LEADER_TTL: Duration = Duration::from_secs(15);

/// One worker's side of the election.
#[derive(Debug)]
pub(crate) struct Elector {
    id: String,
    ttl: Duration,
    /// When this worker's leadership ends at the latest: the time its last successful
    /// (re-)election was sent plus the ttl, which is never later than the expiry stored.
    leads_until: Option<Instant>,
}

impl Elector {
    pub(crate) fn new(id: String, ttl: Duration) -> Self {
        Elector {
            id,
            ttl,
            leads_until: None,
        }
    }

    /// How often [`run_once`](Elector::run_once) runs: two renewals may fail in a row before
    /// the leadership expires.
    pub(crate) fn interval(&self) -> Duration {
        self.ttl / 3
    }

    /// True while this worker surely holds the leadership.
    pub(crate) fn is_leader(&self) -> bool {
        self.leads_until.is_some_and(|until| Instant::now() < until)
    }

    /// Renews the leadership this worker holds, or tries to be elected; returns whether it
    /// leads now. On an error the leadership is left to expire on its own.
    pub(crate) async fn run_once(&mut self, store: &dyn Store) -> Result<bool> {
        let params = LeaderParams {
            leader_id: &self.id,
            ttl: self.ttl,
        };
        let sent = Instant::now();
        if self.leads_until.is_some() {
            if store.leader_attempt_reelect(&params).await? {
                self.leads_until = Some(sent + self.ttl);
                return Ok(true);
            }
            self.leads_until = None;
        }
        if store.leader_attempt_elect(&params).await? {
            self.leads_until = Some(sent + self.ttl);
        }
        Ok(self.is_leader())
    }

    /// Gives the leadership up, if this worker may hold the row; true when it did.
    pub(crate) async fn resign(&mut self, store: &dyn Store) -> Result<bool> {
        if self.leads_until.take().is_none() {
            return Ok(false);
        }
        store.leader_resign(&self.id).await
    }
}
