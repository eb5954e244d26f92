#!/usr/bin/env bash
# The main job: an axum shop on a SQLite file with SeaORM. Each order and its invoice job commit
# in one transaction; some orders roll back, some invoices fail and are retried, the worker
# process is SIGKILLed mid-run and restarted; the closing table shows 0 lost and 0 ghost jobs.
# No database server needed. Options go to the demo: --orders N, --database-url URL, --help.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release --quiet -p demo -- "$@"
