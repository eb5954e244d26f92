#!/usr/bin/env bash
# The Python half of the book's worked port (book/ported-app/python): FastAPI + SQLAlchemy +
# Celery, whose pytest suite shows the dual-write bug with a real Celery worker, Redis and
# PostgreSQL. Runs in a virtualenv under target/, created once and reinstalled only when
# requirements.txt changes. Needs python3, Redis on 127.0.0.1:6379, PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
app=book/ported-app/python
venv=target/ported-python-venv
stamp="$venv/requirements.sha256"
want="$(sha256sum "$app/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "test_ported_python: creating $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$app/requirements.txt"
  echo "$want" >"$stamp"
fi
"$venv/bin/python" - <<'PY' || { echo "test_ported_python: Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
import redis
redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
PY
cd "$app"
exec "../../../$venv/bin/python" -m pytest -p no:cacheprovider -q "$@"
