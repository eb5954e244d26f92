#!/usr/bin/env bash
# The main job: orders created with SeaORM, a task enqueued in the same transaction, some
# transactions rolled back, a worker that runs what committed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec cargo run --quiet -p example-orders -- "$@"
