//! Splits a `.sql` file into named queries (`-- name: xyz` starts each one) and adapts the
//! `$1`-style placeholders the files are written with to the dialect's own style.

use std::collections::HashMap;

/// How a dialect's driver expects placeholders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placeholders {
    /// `$1`, `$2` (PostgreSQL): the files' own style.
    Dollar,
    /// `?1`, `?2` (SQLite): numbered, so one value may be used twice.
    NumberedQuestion,
    /// `?` (MySQL): positional only; a value used twice is bound twice.
    Question,
}

/// One query: its text in the dialect's style and, for positional styles, which parameter
/// each placeholder takes (0-based).
#[derive(Debug)]
pub(crate) struct NamedSql {
    pub(crate) text: &'static str,
    pub(crate) order: Option<Vec<usize>>,
}

pub(crate) struct NamedQueries {
    queries: HashMap<&'static str, NamedSql>,
}

impl NamedQueries {
    pub(crate) fn parse(text: &'static str, style: Placeholders) -> Self {
        let mut queries = HashMap::new();
        let mut current: Option<(&'static str, usize)> = None;
        let mut offset = 0;
        // `-- name: a, b` gives one text several names.
        let mut finish = |names: &'static str, body: &'static str| {
            for name in names.split(',') {
                queries.insert(name.trim(), rewrite(body.trim(), style));
            }
        };
        for line in text.split_inclusive('\n') {
            if let Some(name) = line.trim().strip_prefix("-- name:") {
                if let Some((prev, start)) = current.take() {
                    finish(prev, &text[start..offset]);
                }
                current = Some((name.trim(), offset + line.len()));
            }
            offset += line.len();
        }
        if let Some((prev, start)) = current {
            finish(prev, &text[start..]);
        }
        NamedQueries { queries }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&NamedSql> {
        self.queries.get(name)
    }
}

/// Rewrites `$N` outside quoted strings and comments. The rewritten text lives as long as the
/// program (queries are parsed once, into statics).
fn rewrite(sql: &'static str, style: Placeholders) -> NamedSql {
    if style == Placeholders::Dollar {
        return NamedSql {
            text: sql,
            order: None,
        };
    }
    let mut out = String::with_capacity(sql.len());
    let mut order = Vec::new();
    let mut chars = sql.char_indices().peekable();
    let mut quoted = false;
    let mut comment = false;
    while let Some((_, c)) = chars.next() {
        if comment {
            comment = c != '\n';
            out.push(c);
            continue;
        }
        match c {
            '\'' => quoted = !quoted,
            '-' if !quoted && chars.peek().is_some_and(|&(_, n)| n == '-') => comment = true,
            '$' if !quoted && chars.peek().is_some_and(|&(_, n)| n.is_ascii_digit()) => {
                let mut number = 0usize;
                while let Some(&(_, d)) = chars.peek() {
                    let Some(digit) = d.to_digit(10) else { break };
                    number = number * 10 + digit as usize;
                    chars.next();
                }
                match style {
                    Placeholders::NumberedQuestion => out.push_str(&format!("?{number}")),
                    _ => {
                        out.push('?');
                        order.push(number.saturating_sub(1));
                    }
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    NamedSql {
        text: Box::leak(out.into_boxed_str()),
        order: (style == Placeholders::Question).then_some(order),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_name_markers() {
        let q = NamedQueries::parse(
            "-- name: a\nSELECT 1;\n-- name: b\n-- a comment\nSELECT 2\n",
            Placeholders::Dollar,
        );
        assert_eq!(q.get("a").map(|s| s.text), Some("SELECT 1;"));
        assert_eq!(q.get("b").map(|s| s.text), Some("-- a comment\nSELECT 2"));
        assert!(q.get("c").is_none());
        let shared = NamedQueries::parse("-- name: x, y\nSELECT 3", Placeholders::Dollar);
        assert_eq!(shared.get("x").map(|s| s.text), Some("SELECT 3"));
        assert_eq!(shared.get("y").map(|s| s.text), Some("SELECT 3"));
    }

    #[test]
    fn rewrites_placeholders_outside_strings_and_comments() {
        let sql = "-- name: q\n-- costs $1\nSELECT $2, '$[*]', $1, $12";
        let sqlite = NamedQueries::parse(sql, Placeholders::NumberedQuestion);
        let q = sqlite.get("q").expect("query");
        assert_eq!(q.text, "-- costs $1\nSELECT ?2, '$[*]', ?1, ?12");
        assert_eq!(q.order, None);
        let mysql = NamedQueries::parse(sql, Placeholders::Question);
        let q = mysql.get("q").expect("query");
        assert_eq!(q.text, "-- costs $1\nSELECT ?, '$[*]', ?, ?");
        assert_eq!(q.order, Some(vec![1, 0, 11]));
    }
}
