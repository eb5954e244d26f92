#!/usr/bin/env bash
# Side-by-side benchmark on one local PostgreSQL, in one run:
#   graphile-worker (Node.js)          ../shared/bench/peers/node/graphile-worker.js
#   graphile_worker 0.14.1 (Rust port) ../shared/bench/peers/rust (under `timeout`: it can stall)
#   tranq bench                         crates/tranq-cli (release build), three ways:
#     tranq         the worker's defaults (completed jobs kept, commits as the server is set up)
#     tranq-delete  --delete-completed: completed rows deleted at once, as graphile-worker does
#                   (the like-for-like comparison with the peers)
#     tranq-fast    --delete-completed --relaxed-commit: claims and completions also do not wait
#                   for the WAL flush (see `SqlStore::relaxed_commit` for the trade-off)
#   celery                              Celery 5.7 on its Redis broker, prefork pool
#                                       ../shared/bench/peers/python (a venv under target/; the
#                                       peer our readers come from; Redis at 127.0.0.1:6379)
#   tranq@mysql, tranq@sqlite           tranq bench on MariaDB and on a SQLite file, for the same
#                   table (no peer runs there, so no ratios), with the worker's defaults. Neither
#                   database pushes wake-ups: the bench enqueues in the worker's process, so its
#                   idle worker is woken by the enqueue itself (local_wake.rs).
#   tranq@mysql-8p, tranq@sqlite-8p     the same with --worker-processes 8: eight worker
#                   processes, so every pickup is of a job enqueued by another process, found by
#                   the adaptive poll (idle_probe.rs).
# Same N for all, a fresh database per run (created and dropped here), rounds alternated.
# Prints every RESULT line, then the median of each metric per driver and tranq/peer ratios.
#
#   bash bench/compare.sh                 # N=20000, 3 rounds
#   N=50000 ROUNDS=2 bash bench/compare.sh
#
# Environment (all optional):
#   PG_URL        server to use, without database  (postgres://postgres@127.0.0.1:5432)
#   MY_URL        MariaDB server, without database (mysql://root@127.0.0.1:3306)
#   N             jobs per run                     (20000)
#   ROUNDS        rounds; each runs every driver   (3)
#   PEERS         peer drivers folder              (<repo>/../shared/bench/peers)
#   PEER_TIMEOUT  seconds before a peer run is cut (300)
#   NODE_ARGS     extra args of the Node driver    (--batching=on --concurrency=24)
#   RUST_ARGS     extra args of the Rust port      (--batching=on --concurrency=24)
#   CELERY_ARGS   extra args of the Celery driver  (--broker=redis --pool=prefork --concurrency=2)
#   TRANQ_ARGS    extra args of `tranq bench`      (--concurrency 24)
#   TRANQ_DELETE_ARGS  args of tranq-delete        ($TRANQ_ARGS --delete-completed)
#   TRANQ_FAST_ARGS    args of tranq-fast          ($TRANQ_ARGS --delete-completed --relaxed-commit)
#   SKIP          drivers to leave out, e.g. "rust" or "node rust tranq-fast celery"
#   NO_BUILD=1    do not build; use the binaries already built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
MY_URL=${MY_URL:-mysql://root@127.0.0.1:3306}
N=${N:-20000}
ROUNDS=${ROUNDS:-3}
PEERS=${PEERS:-$ROOT/../shared/bench/peers}
PEER_TIMEOUT=${PEER_TIMEOUT:-300}
NODE_ARGS=${NODE_ARGS:---batching=on --concurrency=24}
RUST_ARGS=${RUST_ARGS:---batching=on --concurrency=24}
CELERY_ARGS=${CELERY_ARGS:---broker=redis --pool=prefork --concurrency=2}
TRANQ_ARGS=${TRANQ_ARGS:---concurrency 24}
TRANQ_DELETE_ARGS=${TRANQ_DELETE_ARGS:-$TRANQ_ARGS --delete-completed}
TRANQ_FAST_ARGS=${TRANQ_FAST_ARGS:-$TRANQ_ARGS --delete-completed --relaxed-commit}
SKIP=${SKIP:-}
LOG_DIR=${LOG_DIR:-$ROOT/target/bench-compare}
TRANQ_BIN=$ROOT/target/release/tranq

mkdir -p "$LOG_DIR"
RESULTS=$LOG_DIR/results.txt
: >"$RESULTS"

say() { printf '%s\n' "$*" >&2; }
skipped() { [[ " $SKIP " == *" $1 "* ]]; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 "$PG_URL/postgres" "$@"; }

command -v psql >/dev/null || { say "psql is required"; exit 1; }
if ! skipped node || ! skipped rust; then
  [[ -d $PEERS/node && -d $PEERS/rust ]] || {
    say "peer drivers not found in $PEERS: set PEERS=/path/to/shared/bench/peers (or SKIP=\"node rust\")"
    exit 1
  }
fi
psql_admin -c 'SELECT 1' >/dev/null || { say "cannot reach PostgreSQL at $PG_URL"; exit 1; }

# A peer folder we may write into (node_modules, Cargo.lock, target/): the shared one when it is
# writable, else a copy under target/.
writable_copy() {
  local src=$1 name=$2
  if [[ -w $src ]]; then
    echo "$src"
  else
    local dst=$ROOT/target/bench-peers/$name
    mkdir -p "$dst"
    cp -r "$src"/. "$dst"/
    echo "$dst"
  fi
}

# ---- build / install ----
if ! skipped node; then
  command -v node >/dev/null || { say "node is required (or SKIP=node)"; exit 1; }
  NODE_DIR=$(writable_copy "$PEERS/node" node)
  if [[ ! -d $NODE_DIR/node_modules ]]; then
    say "== npm install in $NODE_DIR"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund >&2)
  fi
fi
if ! skipped rust; then
  RUST_DIR=$(writable_copy "$PEERS/rust" rust)
  RUST_BIN=$RUST_DIR/target/release/graphile_worker_rs
  if [[ -z ${NO_BUILD:-} || ! -x $RUST_BIN ]]; then
    say "== cargo build --release (Rust peers, own target dir)"
    cargo build --release --quiet --manifest-path "$RUST_DIR/Cargo.toml" \
      --target-dir "$RUST_DIR/target" --bin graphile_worker_rs >&2
  fi
fi
if ! skipped celery; then
  command -v python3 >/dev/null || { say "python3 is required (or SKIP=celery)"; exit 1; }
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { say "Celery's broker, Redis, is not up at 127.0.0.1:6379 (or SKIP=celery)"; exit 1; }
  CELERY_DIR=$(writable_copy "$PEERS/python" python)
  CELERY_VENV=$ROOT/target/bench-peers/celery-venv
  if [[ ! -x $CELERY_VENV/bin/python ]]; then
    say "== python3 -m venv $CELERY_VENV; pip install -r requirements.txt"
    python3 -m venv "$CELERY_VENV"
    "$CELERY_VENV/bin/pip" install --quiet -r "$CELERY_DIR/requirements.txt" >&2
  fi
fi
tranq_runs() {
  local d
  for d in tranq tranq-delete tranq-fast tranq@mysql tranq@sqlite tranq@mysql-8p tranq@sqlite-8p; do
    skipped "$d" || return 0
  done
  return 1
}
if tranq_runs && [[ -z ${NO_BUILD:-} || ! -x $TRANQ_BIN ]]; then
  say "== cargo build --release -p tranq-cli"
  (cd "$ROOT" && cargo build --release --quiet -p tranq-cli >&2)
fi

# ---- one run: fresh database, driver, drop ----
CURRENT_DB=
cleanup() {
  if [[ -n $CURRENT_DB ]]; then
    psql_admin -c "DROP DATABASE IF EXISTS $CURRENT_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

run_one() {
  local driver=$1 round=$2
  local db=tranq_cmp_${driver//[-@]/_}_${round}_$$
  local url=$PG_URL/$db
  local log=$LOG_DIR/$driver-$round.log
  CURRENT_DB=$db
  psql_admin -c "CREATE DATABASE $db" >/dev/null
  local out rc=0
  local processes=()
  [[ $driver == *-8p ]] && processes=(--worker-processes 8)
  case $driver in
    tranq@mysql | tranq@mysql-8p)
      mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
      out=$("$TRANQ_BIN" bench --database-url "$MY_URL/$db" --jobs "$N" $TRANQ_ARGS "${processes[@]}" 2>"$log") || rc=$?
      mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db"
      ;;
    tranq@sqlite | tranq@sqlite-8p)
      local file=$LOG_DIR/$db.sqlite
      rm -f "$file" "$file-wal" "$file-shm"
      out=$("$TRANQ_BIN" bench --database-url "sqlite://$file?mode=rwc" --jobs "$N" $TRANQ_ARGS "${processes[@]}" 2>"$log") || rc=$?
      rm -f "$file" "$file-wal" "$file-shm"
      ;;
    node)
      out=$(cd "$NODE_DIR" && DATABASE_URL=$url N=$N timeout "$PEER_TIMEOUT" \
        node graphile-worker.js $NODE_ARGS 2>"$log") || rc=$?
      ;;
    rust)
      out=$(DATABASE_URL=$url N=$N timeout "$PEER_TIMEOUT" "$RUST_BIN" $RUST_ARGS 2>"$log") || rc=$?
      ;;
    celery)
      # Its broker is Redis, not this database (created and dropped all the same).
      out=$(cd "$CELERY_DIR" && N=$N timeout "$PEER_TIMEOUT" \
        "$CELERY_VENV/bin/python" celery_driver.py $CELERY_ARGS 2>"$log") || rc=$?
      ;;
    tranq)
      out=$("$TRANQ_BIN" bench --database-url "$url" --jobs "$N" $TRANQ_ARGS 2>"$log") || rc=$?
      ;;
    tranq-delete)
      out=$("$TRANQ_BIN" bench --database-url "$url" --jobs "$N" $TRANQ_DELETE_ARGS 2>"$log") || rc=$?
      ;;
    tranq-fast)
      out=$("$TRANQ_BIN" bench --database-url "$url" --jobs "$N" $TRANQ_FAST_ARGS 2>"$log") || rc=$?
      ;;
  esac
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  CURRENT_DB=
  printf '%s\n' "$out" | grep -v '^RESULT' | sed "s/^/  [$driver] /" >&2 || true
  local line
  line=$(printf '%s\n' "$out" | grep '^RESULT' | tail -n1 || true)
  if [[ $rc -ne 0 || -z $line ]]; then
    local why="exit $rc"
    [[ $rc -eq 124 ]] && why="timed out after ${PEER_TIMEOUT}s"
    say "  [$driver] round $round failed ($why); log: $log"
    tail -n 3 "$log" | sed "s/^/  [$driver]   /" >&2 || true
    line="RESULT enqueue=NA work=NA p50=NA p95=NA p99=NA"
  fi
  printf '%-16s round %s  %s\n' "$driver" "$round" "$line"
  printf '%s %s\n' "$driver" "$line" >>"$RESULTS"
}

DRIVERS=()
for d in node rust celery tranq tranq-delete tranq-fast tranq@mysql tranq@sqlite tranq@mysql-8p tranq@sqlite-8p; do
  skipped "$d" || DRIVERS+=("$d")
done

say "== N=$N rounds=$ROUNDS drivers: ${DRIVERS[*]}; logs in $LOG_DIR"
for ((r = 1; r <= ROUNDS; r++)); do
  # Alternate the order between rounds so that no driver always runs first.
  order=("${DRIVERS[@]}")
  if ((r % 2 == 0)); then
    order=()
    for ((i = ${#DRIVERS[@]} - 1; i >= 0; i--)); do order+=("${DRIVERS[$i]}"); done
  fi
  for d in "${order[@]}"; do run_one "$d" "$r"; done
done

# ---- medians and ratios ----
echo
awk '
  function median(arr, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    if (n == 0) return "NA"
    return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
  }
  {
    d = $1; drivers[d] = 1
    for (f = 3; f <= NF; f++) {
      split($f, kv, "="); m = kv[1]; v = kv[2]
      if (v != "NA") { k = d SUBSEP m; cnt[k]++; vals[k, cnt[k]] = v + 0 }
    }
  }
  END {
    nm = split("enqueue work p50 p95 p99", metrics, " ")
    printf "%-16s %10s %10s %8s %8s %8s\n", "median", "enqueue", "work", "p50", "p95", "p99"
    for (d in drivers) {
      line = sprintf("%-16s", d)
      for (i = 1; i <= nm; i++) {
        k = d SUBSEP metrics[i]; n = cnt[k] + 0
        delete a; for (j = 1; j <= n; j++) a[j] = vals[k, j]
        med[d, metrics[i]] = median(a, n)
        line = line sprintf(i <= 2 ? " %10s" : " %8s", med[d, metrics[i]] == "NA" ? "NA" : sprintf(i <= 2 ? "%.0f" : "%.2f", med[d, metrics[i]]))
      }
      print line
    }
    print ""
    print "ratios tranq/peer of the medians (enqueue, work: higher is better; p50, p95, p99: lower is better)"
    for (t in drivers) {
      if (t !~ /^tranq/ || t ~ /@/) continue
      for (d in drivers) {
        if (d ~ /^tranq/) continue
        line = sprintf("%-19s", t "/" d)
        for (i = 1; i <= nm; i++) {
          x = med[t, metrics[i]]; y = med[d, metrics[i]]
          r = (x == "NA" || y == "NA" || y == 0) ? "NA" : sprintf("%.2fx", x / y)
          line = line sprintf(" %s=%s", metrics[i], r)
        }
        print line
      }
    }
  }
' "$RESULTS"
