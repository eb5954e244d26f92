//! The facade's public surface, as a snapshot: every name a user can reach through `tranq::`
//! (items marked `#[doc(hidden)]`, such as `tranq::internal`, are not part of it). Adding or
//! removing a name fails this test until the snapshot below changes with it, on purpose.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

const SNAPSHOT: &[&str] = &[
    "AttemptError",
    "Backoff",
    "DEFAULT_GRACE_PERIOD",
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_POLL_INTERVAL",
    "DEFAULT_QUEUE",
    "DEFAULT_RETENTION",
    "Dialect",
    "Error",
    "JobBuilder",
    "JobId",
    "JobInfo",
    "JobState",
    "MAX_DELAY",
    "MAX_ERROR_MESSAGE_BYTES",
    "MAX_RESULT_BYTES",
    "Migration",
    "Registration",
    "Registry",
    "Result",
    "Task",
    "TaskContext",
    "TaskError",
    "TaskErrorKind",
    "TaskOptions",
    "TaskResult",
    "Worker",
    "WorkerBuilder",
    "WorkerConfig",
    "diesel",
    "diesel::Diesel",
    "diesel::DieselBackend",
    "diesel::Enqueue",
    "diesel::MIGRATIONS",
    "diesel::Migrations",
    "diesel::SqliteSetup",
    "diesel::Store",
    "diesel::StoreConnection",
    "diesel::TranqConnection",
    "diesel::migrate",
    "diesel::tranq_error",
    "diesel_async",
    "diesel_async::AsyncDieselBackend",
    "diesel_async::DieselAsync",
    "diesel_async::Enqueue",
    "diesel_async::MIGRATIONS",
    "diesel_async::Manager",
    "diesel_async::Migrations",
    "diesel_async::SqliteSetup",
    "diesel_async::Store",
    "diesel_async::StoreConnection",
    "diesel_async::TranqAsyncConnection",
    "diesel_async::migrate",
    "diesel_async::tranq_error",
    "migrations",
    "sea_orm",
    "sea_orm::Enqueue",
    "sea_orm::SQLITE_POOL_SIZE",
    "sea_orm::SeaOrm",
    "sea_orm::SeaOrmBackend",
    "sea_orm::Store",
    "sea_orm::TranqMigration",
    "sea_orm::connect",
    "sea_orm::migrate",
    "sea_orm::migrations",
    "task",
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
                if let Some((_, inner)) = &m.content {
                    public_names(inner, &format!("{name}::"), out);
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
