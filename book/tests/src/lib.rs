//! The tranq book's code, tested: every page of `book/src` is included below as the
//! documentation of a private module, so `cargo test -p tranq-book` compiles each Rust snippet
//! of the book and runs the ones not marked `no_run` (the way PyO3 tests its guide).
//!
//! A snippet's setup sits on `# ` lines, which mdBook hides on the page. Snippets that need a
//! database open a SQLite file in a temporary directory ([`support::TempDir`]).
//!
//! `port.md` is not listed: its code is `{{#include}}`d from `examples/ported-app` (and
//! `book/ported-app/python`), and compiled and tested there.
//!
//! All the doc-tests of this crate may be linked into one binary, where every `#[task]` of the
//! book registers itself: task names must be unique across the whole book.

#[doc(hidden)]
pub mod support;

/// Each page of the book as the doc comment of an empty module.
#[cfg(doctest)]
mod chapters {
    macro_rules! chapters {
        ($($page:literal => $module:ident),* $(,)?) => {
            $(
                #[doc = include_str!(concat!("../../src/", $page))]
                mod $module {}
            )*
        };
    }

    chapters! {
        "introduction.md" => introduction,
        "why.md" => why,
        "quick-start.md" => quick_start,
        "fastapi-to-axum.md" => fastapi_to_axum,
        "sqlalchemy.md" => sqlalchemy,
        "celery.md" => celery,
        "workers.md" => workers,
        "jobs.md" => jobs,
        "outbox.md" => outbox,
        "testing.md" => testing,
        "databases.md" => databases,
        "compared.md" => compared,
        "operations.md" => operations,
        "internals.md" => internals,
    }
}
