"""A database, a Celery queue and a Celery worker of this test run's own.

The environment is set here, before the app is imported: the app reads it once. The database
is created at the start of the session and dropped at the end; the worker is a real
`celery worker --pool=solo` subprocess consuming a queue that only this run uses.
"""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

RUN = f"{os.getpid()}_{uuid.uuid4().hex[:8]}"
PG = os.environ.get("PORTED_APP_POSTGRES", "postgres@127.0.0.1:5432")
DB_NAME = f"tranq_t_ported_py_{RUN}"  # scripts/setup.sh drops tranq_t_* left by a failed run
BROKER = os.environ.get("PORTED_APP_REDIS", "redis://127.0.0.1:6379/0")
QUEUE = f"ported-app-{RUN}"
os.environ["DATABASE_URL"] = f"postgresql+psycopg://{PG}/{DB_NAME}"
os.environ["CELERY_BROKER_URL"] = BROKER
os.environ["CELERY_QUEUE"] = QUEUE
os.environ.pop("SEND_INVOICE", None)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def database() -> Iterator[str]:
    with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    from app.db import Base, engine

    Base.metadata.create_all(engine())
    yield os.environ["DATABASE_URL"]
    engine().dispose()
    with psycopg.connect(f"postgresql://{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


@pytest.fixture(scope="session")
def broker() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(BROKER)
    yield client
    client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
    client.close()


@pytest.fixture(scope="session")
def worker(database: str, broker: redis.Redis, tmp_path_factory) -> Iterator[subprocess.Popen]:
    """A real Celery worker process (solo pool) on this run's queue."""
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.tasks:celery", "worker",
             "--pool=solo", "-Q", QUEUE, "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel=INFO"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )
    yield proc
    proc.send_signal(signal.SIGTERM)  # warm shutdown
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    sys.stderr.write(f"celery worker log: {log}\n")


@pytest.fixture()
def app():
    from app.main import app

    yield app
    app.dependency_overrides.clear()
