#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test of every crate against the real databases.
# Each step prints how long it took (`test.sh: <step>: <seconds>s`), to keep CI time in view.
set -euo pipefail
cd "$(dirname "$0")/.."

step() {
  local started=$SECONDS
  "$@"
  printf 'test.sh: %s: %ss\n' "$*" "$((SECONDS - started))" >&2
}

step bash scripts/setup.sh
step cargo fmt --all -- --check
step cargo clippy --workspace --all-targets --all-features -- -D warnings
step cargo test --workspace --all-features
step bash scripts/check_release.sh
step mdbook build book
step python3 scripts/check_book_links.py book/book
step python3 scripts/check_book_render.py book/book
# The Python half of the book's worked port (the Rust half runs in cargo test above).
if command -v python3 >/dev/null 2>&1; then step bash scripts/test_ported_python.sh; fi
printf 'test.sh: total: %ss\n' "$SECONDS" >&2
