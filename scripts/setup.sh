#!/usr/bin/env bash
# Makes this machine ready to build and test tranq. Idempotent: installs only what is missing,
# starts only services that are down. Run by scripts/test.sh and scripts/demo.sh.
set -euo pipefail

log() { printf 'setup: %s\n' "$*" >&2; }

need_pkgs=()
# libpq-dev, libmariadb-dev-compat: libpq and libmysqlclient for sync Diesel (pq-sys, mysqlclient-sys).
# nats-server: the JetStream server of the outbox relay's tests (tranq::relay).
for pkg in pkg-config libpq-dev libmariadb-dev libmariadb-dev-compat nats-server; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

pg_url="${TRANQ_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
if [ "$pg_url" = "postgres://postgres@127.0.0.1:5432/test" ]; then
  psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
    || { log "creating database test"; psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"; }
  # Databases left behind by failed test runs of earlier days.
  for db in $(psql -h 127.0.0.1 -U postgres -d postgres -tAc \
      "SELECT datname FROM pg_database WHERE datname LIKE 'tranq\_t\_%' OR datname LIKE 'tranq\_demo\_%'"); do
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
fi
# MariaDB (the MySQL dialect's tests).
my_url="${TRANQ_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
if ! mysqladmin -h 127.0.0.1 -u root status >/dev/null 2>&1; then
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  for _ in $(seq 1 30); do mysqladmin -h 127.0.0.1 -u root status >/dev/null 2>&1 && break; sleep 1; done
fi
mysqladmin -h 127.0.0.1 -u root status >/dev/null 2>&1 || { log "MariaDB is not reachable on 127.0.0.1:3306"; exit 1; }
if [ "$my_url" = "mysql://root@127.0.0.1:3306/test" ]; then
  mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS test"
  for db in $(mariadb -h 127.0.0.1 -u root -N -e "SHOW DATABASES LIKE 'tranq\\_t\\_%'"); do
    mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$db\`" || true
  done
fi
# NATS with JetStream (the outbox relay's tests; tests that kill and restart NATS start a
# private nats-server of their own on a free port).
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if command -v nats-server >/dev/null 2>&1 && ! nats_up; then
  log "starting NATS (JetStream)"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log || true
  for _ in $(seq 1 20); do nats_up && break; sleep 0.5; done
fi
nats_up || { log "NATS is not reachable on 127.0.0.1:4222"; exit 1; }
# Redis, Celery's broker in the Python half of the book's worked port (book/ported-app/python).
if command -v redis-server >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
# mdbook, to build the book (book/); from crates.io at a pinned version, built once.
mdbook_version="0.5.4"
if [ "$(mdbook --version 2>/dev/null)" != "mdbook v$mdbook_version" ]; then
  log "installing mdbook $mdbook_version"
  cargo install mdbook --locked --version "$mdbook_version" --quiet
fi
# Debian's chromium, for the rendered-page check of the built book (scripts/check_book_render.py),
# and its chromedriver, for the dashboard's browser test (crates/tranq-cli/tests/browser.rs).
browser_pkgs=()
for pkg in chromium chromium-driver; do
  dpkg -s "$pkg" >/dev/null 2>&1 || browser_pkgs+=("$pkg")
done
if [ ${#browser_pkgs[@]} -gt 0 ]; then
  log "installing ${browser_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${browser_pkgs[@]}" >/dev/null
fi
log "ready"
