#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test of every crate against the real databases.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo test --workspace --all-features
bash scripts/check_release.sh
mdbook build book
python3 scripts/check_book_links.py book/book
python3 scripts/check_book_render.py book/book
# The Python half of the book's worked port (the Rust half runs in cargo test above).
if command -v python3 >/dev/null 2>&1; then bash scripts/test_ported_python.sh; fi
