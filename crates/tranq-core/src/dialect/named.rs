//! Splits a `.sql` file into named queries (`-- name: xyz` starts each one).

use std::collections::HashMap;

pub(crate) struct NamedQueries {
    queries: HashMap<&'static str, &'static str>,
}

impl NamedQueries {
    pub(crate) fn parse(text: &'static str) -> Self {
        let mut queries = HashMap::new();
        let mut current: Option<(&'static str, usize)> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if let Some(name) = line.trim().strip_prefix("-- name:") {
                if let Some((prev, start)) = current.take() {
                    queries.insert(prev, text[start..offset].trim());
                }
                current = Some((name.trim(), offset + line.len()));
            }
            offset += line.len();
        }
        if let Some((prev, start)) = current {
            queries.insert(prev, text[start..].trim());
        }
        NamedQueries { queries }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'static str> {
        self.queries.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_name_markers() {
        let q = NamedQueries::parse("-- name: a\nSELECT 1;\n-- name: b\n-- a comment\nSELECT 2\n");
        assert_eq!(q.get("a"), Some("SELECT 1;"));
        assert_eq!(q.get("b"), Some("-- a comment\nSELECT 2"));
        assert_eq!(q.get("c"), None);
    }
}
