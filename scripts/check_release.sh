#!/usr/bin/env bash
# Release readiness, run by scripts/test.sh: the docs build without warnings, the feature
# combinations users pick compile on their own, and every published crate packages and verifies
# (its tarball compiles by itself, against the other packaged crates).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'release: %s (%ss)\n' "$*" "$SECONDS" >&2; }

log "docs (broken intra-doc links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --quiet

# Each adapter with each of its databases alone, macros off, and no adapter at all.
combos=(
  ""
  "macros"
  "sea-orm,postgres" "sea-orm,mysql" "sea-orm,sqlite" "sea-orm-migration,postgres"
  "diesel,postgres" "diesel,mysql" "diesel,sqlite"
  "diesel-async,postgres" "diesel-async,mysql" "diesel-async,sqlite"
  "dashboard" "dashboard,sea-orm,sqlite"
  "relay"
)
for features in "${combos[@]}"; do
  log "cargo check -p tranq --no-default-features --features '${features}'"
  cargo check --quiet -p tranq --no-default-features --features "$features"
done

published=(tranq-core tranq-macros tranq-sea-orm tranq-diesel tranq-diesel-async tranq-dashboard tranq-relay tranq tranq-cli)
args=()
for crate in "${published[@]}"; do args+=(-p "$crate"); done
log "cargo package ${published[*]} (verified)"
cargo package --quiet --allow-dirty "${args[@]}"
for crate in "${published[@]}"; do
  file=$(ls target/package/"$crate"-[0-9]*.crate)
  log "packaged $(basename "$file"): $(du -k "$file" | cut -f1) KiB"
done
