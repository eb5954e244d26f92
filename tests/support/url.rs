//! Database URLs for tests and the chaos binary (shared through `#[path]`).

/// Replaces the database part of a server URL, keeping its query string.
pub(crate) fn with_database(base: &str, name: &str) -> String {
    let (url, query) = base
        .split_once('?')
        .map_or((base, None), |(u, q)| (u, Some(q)));
    let root = url.rsplit_once('/').map_or(url, |(root, _)| root);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}
