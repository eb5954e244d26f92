"""Orders and invoice e-mails: FastAPI + SQLAlchemy + Celery, the app that book/src/port.md
ports to axum + SeaORM + tranq (examples/ported-app)."""
