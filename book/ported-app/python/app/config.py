"""Settings, read from the environment (FastAPI's settings-as-a-dependency pattern)."""

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str
    queue: str
    # Where the handler sends the invoice task: both places are common, and each has its bug.
    send_invoice: Literal["before_commit", "after_commit"]


@lru_cache
def get_settings() -> Settings:
    return Settings(
        database_url=os.environ.get(
            "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        broker_url=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        queue=os.environ.get("CELERY_QUEUE", "billing"),
        send_invoice=os.environ.get("SEND_INVOICE", "after_commit"),  # type: ignore[arg-type]
    )
