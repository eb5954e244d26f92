//! The attribute list of `#[task(...)]`: `key = value` pairs, each checked at compile time.

use std::time::Duration;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitInt, LitStr, Path, Token, UnOp};

/// The keys `#[task]` accepts, in the order the error message lists them.
const KEYS: [&str; 10] = [
    "name",
    "queue",
    "max_attempts",
    "priority",
    "timeout",
    "unique",
    "concurrency_key",
    "cron",
    "timezone",
    "crate",
];

/// Longest queue name tranq accepts; mirrors `tranq_core::MAX_QUEUE_NAME_LEN`.
const MAX_QUEUE_NAME_LEN: usize = 128;

/// A value given in the attribute, with the span of its literal for later diagnostics.
#[derive(Clone)]
pub(crate) struct Given<T> {
    pub(crate) value: T,
    pub(crate) span: Span,
}

/// Everything `#[task(...)]` was given; `None` means "use the default".
#[derive(Clone, Default)]
pub(crate) struct TaskArgs {
    pub(crate) name: Option<LitStr>,
    pub(crate) queue: Option<LitStr>,
    pub(crate) max_attempts: Option<Given<u32>>,
    pub(crate) priority: Option<Given<i16>>,
    pub(crate) timeout: Option<Given<Duration>>,
    /// Fields of the arguments whose values make a job's unique key.
    pub(crate) unique: Option<Vec<Ident>>,
    /// Fields of the arguments whose values make a job's concurrency key.
    pub(crate) concurrency_key: Option<Vec<Ident>>,
    /// A cron schedule (checked here) on which the leader enqueues the task.
    pub(crate) cron: Option<LitStr>,
    /// The IANA time zone of `cron` (UTC by default; checked when the worker is built).
    pub(crate) timezone: Option<LitStr>,
    /// The path of the `tranq` crate, for users who renamed the dependency.
    pub(crate) krate: Option<Path>,
}

impl Parse for TaskArgs {
    /// Syntax errors (a key without `=`, a missing comma) stop the parse; errors in values and
    /// unknown or repeated keys are collected so that one build reports all of them.
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = TaskArgs::default();
        let mut seen: Vec<String> = Vec::new();
        let mut errors: Option<syn::Error> = None;
        while !input.is_empty() {
            // `parse_any` so that keywords (`type = ...`) get "unknown argument", not a parse error.
            let key = Ident::parse_any(input)?;
            let key_name = key.unraw().to_string();
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("expected `=` after `{key_name}`: write `{key_name} = ...`"),
                ));
            }
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;

            let outcome = if !KEYS.contains(&key_name.as_str()) {
                Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown #[task] argument `{key_name}`; expected one of {}",
                        KEYS.map(|k| format!("`{k}`")).join(", ")
                    ),
                ))
            } else if seen.contains(&key_name) {
                Err(syn::Error::new(
                    key.span(),
                    format!("duplicate #[task] argument `{key_name}`"),
                ))
            } else {
                seen.push(key_name.clone());
                args.set(&key_name, &value)
            };
            if let Err(e) = outcome {
                match &mut errors {
                    Some(all) => all.combine(e),
                    None => errors = Some(e),
                }
            }

            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if let (Some(timezone), None) = (&args.timezone, &args.cron) {
            let e = syn::Error::new(
                timezone.span(),
                "`timezone` is the time zone of a `cron` schedule: add `cron = \"...\"`",
            );
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
        match errors {
            Some(e) => Err(e),
            None => Ok(args),
        }
    }
}

impl TaskArgs {
    /// Checks `value` for the known key `key` and stores it.
    fn set(&mut self, key: &str, value: &Expr) -> syn::Result<()> {
        match key {
            "name" => {
                let name = string(key, value, "send_invoice")?;
                if name.value().is_empty() {
                    return Err(syn::Error::new(
                        name.span(),
                        "task `name` must not be empty",
                    ));
                }
                self.name = Some(name);
            }
            "queue" => {
                let queue = string(key, value, "billing")?;
                check_queue(&queue)?;
                self.queue = Some(queue);
            }
            "max_attempts" => {
                let (lit, negative) = integer(key, value, "5")?;
                let attempts = if negative {
                    None
                } else {
                    check_suffix(&lit, "u32")?;
                    lit.base10_parse::<u32>().ok()
                };
                match attempts {
                    Some(0) | None => {
                        return Err(syn::Error::new_spanned(
                            value,
                            format!("`max_attempts` must be between 1 and {}", u32::MAX),
                        ));
                    }
                    Some(n) => {
                        self.max_attempts = Some(Given {
                            value: n,
                            span: value.span(),
                        })
                    }
                }
            }
            "priority" => {
                let (lit, negative) = integer(key, value, "1")?;
                check_suffix(&lit, "i16")?;
                let priority = lit
                    .base10_parse::<i32>()
                    .ok()
                    .map(|n| if negative { -n } else { n })
                    .and_then(|n| i16::try_from(n).ok())
                    .ok_or_else(|| {
                        syn::Error::new_spanned(
                            value,
                            format!(
                                "`priority` must fit in an i16 ({}..={}); lower runs first",
                                i16::MIN,
                                i16::MAX
                            ),
                        )
                    })?;
                self.priority = Some(Given {
                    value: priority,
                    span: value.span(),
                });
            }
            "timeout" => {
                let text = string(key, value, "30s")?;
                let timeout = humantime::parse_duration(&text.value()).map_err(|e| {
                    syn::Error::new(
                        text.span(),
                        format!(
                            "invalid `timeout` {:?}: {e}; expected a duration such as \"500ms\", \"30s\" or \"5m\"",
                            text.value()
                        ),
                    )
                })?;
                if timeout.is_zero() {
                    return Err(syn::Error::new(
                        text.span(),
                        "`timeout` must be longer than zero; leave it out for no timeout",
                    ));
                }
                self.timeout = Some(Given {
                    value: timeout,
                    span: text.span(),
                });
            }
            "unique" => self.unique = Some(fields(key, value)?),
            "concurrency_key" => self.concurrency_key = Some(fields(key, value)?),
            "cron" => {
                let expr = string(key, value, "0 */5 * * * *")?;
                if <cron::Schedule as std::str::FromStr>::from_str(&expr.value()).is_err() {
                    return Err(syn::Error::new(
                        expr.span(),
                        format!(
                            "invalid `cron` {:?}: expected six or seven fields with seconds first \
                             (sec min hour day-of-month month day-of-week [year]), e.g. \"0 */5 * * * *\"",
                            expr.value()
                        ),
                    ));
                }
                self.cron = Some(expr);
            }
            "timezone" => self.timezone = Some(string(key, value, "Europe/Berlin")?),
            "crate" => {
                let text = string(key, value, "::my_tranq")?;
                let path = text.parse::<Path>().map_err(|e| {
                    syn::Error::new(
                        text.span(),
                        format!(
                            "`crate` must be the path of the tranq crate, e.g. `crate = \"::my_tranq\"`: {e}"
                        ),
                    )
                })?;
                self.krate = Some(path);
            }
            _ => unreachable!("KEYS lists every key handled here"),
        }
        Ok(())
    }
}

/// `value` with the invisible groups of `macro_rules!` fragments (`$e:expr`) removed.
fn ungroup(value: &Expr) -> &Expr {
    match value {
        Expr::Group(group) => ungroup(&group.expr),
        other => other,
    }
}

/// The string literal `value`, or an error naming `key` with an example.
fn string(key: &str, value: &Expr, example: &str) -> syn::Result<LitStr> {
    match ungroup(value) {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.clone()),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{key}` expects a string literal, e.g. `{key} = \"{example}\"`"),
        )),
    }
}

/// The integer literal `value` (possibly negated), or an error naming `key` with an example.
fn integer(key: &str, value: &Expr, example: &str) -> syn::Result<(LitInt, bool)> {
    match ungroup(value) {
        Expr::Lit(ExprLit {
            lit: Lit::Int(n), ..
        }) => Ok((n.clone(), false)),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match ungroup(expr) {
            Expr::Lit(ExprLit {
                lit: Lit::Int(n), ..
            }) => Ok((n.clone(), true)),
            _ => Err(expected_integer(key, value, example)),
        },
        _ => Err(expected_integer(key, value, example)),
    }
}

fn expected_integer(key: &str, value: &Expr, example: &str) -> syn::Error {
    syn::Error::new_spanned(
        value,
        format!("`{key}` expects an integer literal, e.g. `{key} = {example}`"),
    )
}

/// Accepts `5` and `5u32` but not `5i64`: the value is passed on as `ty`.
fn check_suffix(lit: &LitInt, ty: &str) -> syn::Result<()> {
    match lit.suffix() {
        "" => Ok(()),
        s if s == ty => Ok(()),
        s => Err(syn::Error::new(
            lit.span(),
            format!("this value is a `{ty}`: drop the `{s}` suffix"),
        )),
    }
}

/// The rules of `tranq_core::validate_queue`, checked at compile time.
fn check_queue(queue: &LitStr) -> syn::Result<()> {
    let name = queue.value();
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_QUEUE_NAME_LEN {
        "it is longer than 128 bytes"
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    {
        "use only ASCII letters, digits and _ - . :"
    } else {
        return Ok(());
    };
    Err(syn::Error::new(
        queue.span(),
        format!("invalid queue name {name:?}: {reason}"),
    ))
}

/// The list of `unique = [order_id, customer]` (or `concurrency_key = [...]`): field names of
/// the arguments, at least one.
fn fields(key: &str, value: &Expr) -> syn::Result<Vec<Ident>> {
    let expected = || {
        syn::Error::new_spanned(
            value,
            format!(
                "`{key}` takes a list of fields of the task's arguments, e.g. `{key} = [order_id]`"
            ),
        )
    };
    let Expr::Array(array) = value else {
        return Err(expected());
    };
    if array.elems.is_empty() {
        return Err(expected());
    }
    array
        .elems
        .iter()
        .map(|elem| match elem {
            Expr::Path(p) if p.qself.is_none() => p.path.get_ident().cloned().ok_or_else(expected),
            _ => Err(expected()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: &str) -> syn::Result<TaskArgs> {
        syn::parse_str(tokens)
    }

    fn message(tokens: &str) -> String {
        match parse(tokens) {
            Ok(_) => panic!("`{tokens}` parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_every_key() -> syn::Result<()> {
        let args = parse(
            r#"name = "a.b", queue = "billing", max_attempts = 5, priority = -3, timeout = "1m 30s","#,
        )?;
        assert_eq!(args.name.map(|n| n.value()).as_deref(), Some("a.b"));
        assert_eq!(args.queue.map(|n| n.value()).as_deref(), Some("billing"));
        assert_eq!(args.max_attempts.map(|g| g.value), Some(5));
        assert_eq!(args.priority.map(|g| g.value), Some(-3));
        assert_eq!(args.timeout.map(|g| g.value), Some(Duration::from_secs(90)));
        let renamed = parse(r#"crate = "::my_tranq""#)?
            .krate
            .map(|p| quote::quote!(#p).to_string());
        assert_eq!(renamed.as_deref(), Some(":: my_tranq"));
        Ok(())
    }

    #[test]
    fn empty_is_all_defaults() -> syn::Result<()> {
        let args = parse("")?;
        assert!(args.name.is_none() && args.queue.is_none() && args.timeout.is_none());
        Ok(())
    }

    #[test]
    fn priority_bounds() -> syn::Result<()> {
        assert_eq!(
            parse("priority = -32768")?.priority.map(|g| g.value),
            Some(i16::MIN)
        );
        assert!(message("priority = 32768").contains("must fit in an i16"));
        Ok(())
    }

    #[test]
    fn rejects_bad_values() {
        assert!(message("max_attempts = 0").contains("between 1 and"));
        assert!(message("max_attempts = -1").contains("between 1 and"));
        assert!(message("max_attempts = 5i64").contains("drop the `i64` suffix"));
        assert!(message("timeout = 30s").contains("expects a string literal"));
        assert!(message(r#"timeout = "0s""#).contains("longer than zero"));
        assert!(message(r#"queue = "a b""#).contains("invalid queue name"));
        assert!(message(r#"name = """#).contains("must not be empty"));
        assert!(message("queue").contains("expected `=` after `queue`"));
        assert!(message("type = 1").contains("unknown #[task] argument `type`"));
        assert!(message(r#"crate = "not a path""#).contains("path of the tranq crate"));
    }

    #[test]
    fn collects_several_errors() {
        let Err(e) = parse(r#"foo = 1, timeout = "soon", queue = "a", queue = "b""#) else {
            panic!("parsed");
        };
        let all: Vec<String> = e.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(all.len(), 3, "{all:?}");
        assert!(all[0].contains("unknown"));
        assert!(all[1].contains("invalid `timeout`"));
        assert!(all[2].contains("duplicate #[task] argument `queue`"));
    }
}
