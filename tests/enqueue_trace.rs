//! The enqueuing span travels with the job: its id is written into the job's `metadata` by the
//! insert itself, and the worker's `tranq.job` span records it as `job.enqueued_by_span` and
//! follows from it. A job enqueued outside any span carries no trace. A test binary of its own,
//! since it installs the process-wide tracing subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tranq::{JobId, JobState, TaskContext, TaskError, Worker};

#[tranq::task(queue = "traced")]
async fn traced(_ctx: TaskContext, _args: ()) -> Result<(), TaskError> {
    Ok(())
}

/// What the subscriber saw of `tranq.job` spans.
#[derive(Debug, Default)]
struct Seen {
    /// Run span ids.
    runs: Vec<u64>,
    /// `job.enqueued_by_span` values recorded on run spans.
    enqueued_by: Vec<u64>,
    /// (span, the span it follows from).
    follows: Vec<(u64, u64)>,
}

struct Capture(Arc<Mutex<Seen>>);

struct EnqueuedBy(Option<u64>);

impl Visit for EnqueuedBy {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "job.enqueued_by_span" {
            self.0 = Some(value);
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        if attrs.metadata().name() == "tranq.job" {
            self.0.lock().unwrap().runs.push(id.into_u64());
        }
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        if seen.runs.contains(&id.into_u64()) {
            let mut by = EnqueuedBy(None);
            values.record(&mut by);
            seen.enqueued_by.extend(by.0);
        }
    }
    fn on_follows_from(&self, span: &Id, follows: &Id, _: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        seen.follows.push((span.into_u64(), follows.into_u64()));
    }
}

async fn metadata(db: &DatabaseConnection, id: JobId) -> serde_json::Value {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT metadata FROM tranq_jobs WHERE id = {}", id.0),
        ))
        .await
        .unwrap()
        .expect("the job row");
    serde_json::from_str(&row.try_get_by_index::<String>(0).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_run_span_follows_from_the_span_that_enqueued_the_job() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(Capture(seen.clone())),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("tranq-enqueue-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("trace.sqlite").display());
    let db = tranq::sea_orm::connect(&url).await.unwrap();
    tranq::sea_orm::migrate(&db).await.unwrap();

    let untraced = Traced::enqueue_in(&db, ()).await.unwrap();
    assert_eq!(metadata(&db, untraced).await, serde_json::json!({}));

    // A request's span, still open when the job runs, as in a handler that awaits its job.
    let request = tracing::info_span!("request");
    let request_id = request.id().expect("a subscriber is installed").into_u64();
    let id = {
        let _entered = request.enter();
        let txn = db.begin().await.unwrap();
        let id = Traced::enqueue_in(&txn, ()).await.unwrap();
        txn.commit().await.unwrap();
        id
    };
    let trace = &metadata(&db, id).await["trace"];
    assert_eq!(
        trace["span_id"], request_id,
        "the enqueuing span, in the row"
    );

    let store = tranq::sea_orm::Store::new(db.clone());
    let worker = Worker::builder(store.clone())
        .queue("traced", 2)
        .poll_interval(Duration::from_millis(50))
        .build()
        .unwrap();
    let wait = async {
        for _ in 0..200 {
            let done = store.job_get(id).await.unwrap().map(|j| j.state);
            if done == Some(JobState::Completed)
                && store.job_get(untraced).await.unwrap().map(|j| j.state)
                    == Some(JobState::Completed)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the jobs did not complete");
    };
    worker.run_until(wait).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.runs.len(), 2, "one run span per job: {seen:?}");
    assert_eq!(
        seen.enqueued_by,
        vec![request_id],
        "only the traced job's run span records its enqueuing span"
    );
    assert_eq!(seen.follows.len(), 1, "{seen:?}");
    let (run, follows) = seen.follows[0];
    assert!(seen.runs.contains(&run));
    assert_eq!(follows, request_id, "the run span follows from the request");
    drop(request);
    std::fs::remove_dir_all(&dir).ok();
}
