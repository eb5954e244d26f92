#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test of every crate against the real databases.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings
cargo test --workspace --all-features
