//! Settings, read from the environment once at startup (`app/config.py`).

/// What the process needs to know.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/test.
    pub database_url: String,
    /// `BIND`, the address the web server listens on, default 127.0.0.1:8000 (uvicorn's).
    pub bind: String,
}

// ANCHOR: settings
impl Settings {
    /// Reads the environment; unset variables take their defaults.
    pub fn from_env() -> Settings {
        let var =
            |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
        Settings {
            database_url: var("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
            bind: var("BIND", "127.0.0.1:8000"),
        }
    }
}
// ANCHOR_END: settings
