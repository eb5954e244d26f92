//! The facade's public surface, as a snapshot: every name a user can reach through `tranq::`
//! (items marked `#[doc(hidden)]`, such as `tranq::internal`, are not part of it). Adding or
//! removing a name fails this test until the snapshot below changes with it, on purpose.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

const SNAPSHOT: &[&str] = &[
    "AttemptError",
    "Backoff",
    "Cancellation",
    "DEFAULT_GRACE_PERIOD",
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_QUEUE",
    "DEFAULT_RETENTION",
    "Dialect",
    "Enqueue",
    "Enqueued",
    "Error",
    "Executor",
    "FailureGroup",
    "JobBuilder",
    "JobFilter",
    "JobId",
    "JobInfo",
    "JobState",
    "JobTimes",
    "MAX_DELAY",
    "MAX_ERROR_MESSAGE_BYTES",
    "MAX_RESULT_BYTES",
    "Migration",
    "Periodic",
    "QueueStats",
    "Registration",
    "Registry",
    "Result",
    "Schedule",
    "ShutdownSignal",
    "State",
    "StateType",
    "Task",
    "TaskContext",
    "TaskError",
    "TaskErrorKind",
    "TaskOptions",
    "TaskResult",
    "Throughput",
    "Worker",
    "WorkerBuilder",
    "WorkerConfig",
    "dashboard",
    "dashboard::Dashboard",
    "dashboard::Error",
    "dashboard::MIN_TOKEN_LEN",
    "dashboard::Result",
    "dashboard::router",
    "describe_metrics",
    "diesel",
    "diesel::Diesel",
    "diesel::DieselBackend",
    "diesel::MIGRATIONS",
    "diesel::Migrations",
    "diesel::SqliteSetup",
    "diesel::Store",
    "diesel::StoreConnection",
    "diesel::as_tranq_error",
    "diesel::migrate",
    "diesel::migrate_blocking",
    "diesel::tranq_error",
    "diesel_async",
    "diesel_async::AsyncDieselBackend",
    "diesel_async::DieselAsync",
    "diesel_async::MIGRATIONS",
    "diesel_async::Manager",
    "diesel_async::Migrations",
    "diesel_async::SqliteSetup",
    "diesel_async::Store",
    "diesel_async::StoreConnection",
    "diesel_async::as_tranq_error",
    "diesel_async::migrate",
    "diesel_async::tranq_error",
    "metric_names",
    "migrations",
    "relay",
    "relay::DEFAULT_ACK_TIMEOUT",
    "relay::DEFAULT_CONCURRENCY",
    "relay::DEFAULT_DUPLICATE_WINDOW",
    "relay::DEFAULT_PUBLISH_TIMEOUT",
    "relay::Error",
    "relay::Event",
    "relay::MESSAGE_ID_HEADER",
    "relay::ORDERED_QUEUE",
    "relay::Publish",
    "relay::RELAY_QUEUE",
    "relay::Relay",
    "relay::RelayConfig",
    "relay::RelayWorker",
    "relay::Result",
    "relay::async_nats",
    "relay::duplicate_window",
    "relay::ensure_stream",
    "sea_orm",
    "sea_orm::PING_IF_IDLE_FOR",
    "sea_orm::SQLITE_POOL_SIZE",
    "sea_orm::SeaOrm",
    "sea_orm::SeaOrmBackend",
    "sea_orm::Store",
    "sea_orm::TranqMigration",
    "sea_orm::connect",
    "sea_orm::connect_options",
    "sea_orm::migrate",
    "sea_orm::migrations",
    "shutdown_signal",
    "task",
    // Feature `testing` (an out-of-line module, `src/testing/mod.rs`); `testing::diesel` and
    // `testing::diesel_async` hold `enqueued_in`, `assert_enqueued_in`, `assert_not_enqueued_in`.
    "testing",
    "testing::DEFAULT_DRAIN_LIMIT",
    "testing::DEFAULT_MYSQL_URL",
    "testing::DEFAULT_POSTGRES_URL",
    "testing::DrainReport",
    "testing::Failure",
    "testing::MYSQL_URL_VAR",
    "testing::POSTGRES_URL_VAR",
    "testing::TestDatabase",
    "testing::TestWorker",
    "testing::TestingError",
    "testing::assert_enqueued",
    "testing::assert_enqueued_in",
    "testing::assert_not_enqueued",
    "testing::assert_not_enqueued_in",
    "testing::diesel",
    "testing::diesel_async",
    "testing::drain",
    "testing::enqueued",
    "testing::enqueued_in",
    "testing::run_job",
];

fn hidden(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("doc")
            && a.parse_args::<syn::Ident>()
                .is_ok_and(|ident| ident == "hidden")
    })
}

fn leaves(tree: &syn::UseTree, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => leaves(&p.tree, out),
        syn::UseTree::Name(n) => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) => out.push(r.rename.to_string()),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| leaves(t, out)),
        syn::UseTree::Glob(_) => out.push("*".to_owned()),
    }
}

fn public_names(items: &[syn::Item], prefix: &str, out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Use(u)
                if matches!(u.vis, syn::Visibility::Public(_)) && !hidden(&u.attrs) =>
            {
                let mut names = Vec::new();
                leaves(&u.tree, &mut names);
                out.extend(names.into_iter().map(|n| format!("{prefix}{n}")));
            }
            syn::Item::Mod(m)
                if matches!(m.vis, syn::Visibility::Public(_)) && !hidden(&m.attrs) =>
            {
                let name = format!("{prefix}{}", m.ident);
                out.insert(name.clone());
                match &m.content {
                    Some((_, inner)) => public_names(inner, &format!("{name}::"), out),
                    // An out-of-line module (`pub mod testing;`): its file under `src/`.
                    None => {
                        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/").to_owned()
                            + &name.replace("::", "/")
                            + "/mod.rs";
                        let source = std::fs::read_to_string(&path).unwrap();
                        let file = syn::parse_file(&source).unwrap();
                        public_names(&file.items, &format!("{name}::"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Every public, not hidden name of `src/lib.rs`, with its module path.
fn surface() -> BTreeSet<String> {
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
    let file = syn::parse_file(&source).unwrap();
    let mut found = BTreeSet::new();
    public_names(&file.items, "", &mut found);
    found
}

#[test]
fn the_public_surface_is_the_snapshot() {
    let found = surface();
    let expected: BTreeSet<String> = SNAPSHOT.iter().map(|s| (*s).to_owned()).collect();
    let added: Vec<&String> = found.difference(&expected).collect();
    let removed: Vec<&String> = expected.difference(&found).collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "the public surface changed: added {added:?}, removed {removed:?}; \
         if that is meant, update SNAPSHOT in tests/public_api.rs"
    );
}

/// The plumbing is out of sight: the names that used to clash under `use tranq::*`
/// (`Value`, `Row`, `Query`, `Transaction`) and the `Store` trait that shared its name with the
/// adapters' `Store` types are not at the top.
#[test]
fn plumbing_is_not_at_the_top() {
    let found = surface();
    for name in [
        "Value",
        "Row",
        "Query",
        "Transaction",
        "Store",
        "SqlStore",
        "Backend",
        "*",
    ] {
        assert!(!found.contains(name), "{name} is public at the top");
    }
    assert!(
        !found.contains("diesel::shared"),
        "tranq::diesel::shared is reachable"
    );
}

/// Every `tranq::…` path that tranq's own messages and docs name (in backticks, in any crate's
/// source) exists: an error that says "run `tranq::migrate`" must not send users to nothing.
#[test]
fn every_path_named_in_messages_and_docs_exists() {
    let surface = surface();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/crates");
    let mut missing = Vec::new();
    let mut checked = 0;
    for source in rust_files(std::path::Path::new(root)) {
        let text = std::fs::read_to_string(&source).unwrap();
        for named in text.split('`').skip(1).step_by(2) {
            let Some(path) = named.strip_prefix("tranq::") else {
                continue;
            };
            let path = path.split(['(', '<', ' ']).next().unwrap_or_default();
            if path.is_empty() || path.starts_with("__private") || path.starts_with("internal") {
                continue;
            }
            checked += 1;
            let segments: Vec<&str> = path.split("::").collect();
            // The longest prefix that is a public name; methods and variants hang off it.
            let known = (1..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|prefix| surface.contains(prefix));
            let in_a_module = ["sea_orm", "diesel", "diesel_async"].contains(&segments[0]);
            let ok = match known {
                Some(prefix) if in_a_module && segments.len() > 1 => prefix.contains("::"),
                Some(_) => true,
                None => false,
            };
            if !ok {
                missing.push(format!("{}: `tranq::{path}`", source.display()));
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} paths found: is the scan broken?"
    );
    assert!(missing.is_empty(), "paths that do not exist: {missing:#?}");
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("target") {
                out.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
