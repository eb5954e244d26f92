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
