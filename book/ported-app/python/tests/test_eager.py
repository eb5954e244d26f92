"""The endpoints, with Celery's task_always_eager: the task runs inside `.delay()`, in the
request's process, as many Celery apps test their views. No worker and no broker traffic."""

import pytest
from fastapi.testclient import TestClient

from app.tasks import celery


@pytest.fixture()
def eager():
    celery.conf.task_always_eager = True
    yield
    celery.conf.task_always_eager = False


def test_eager_order_is_created_shown_and_invoiced(app, eager):
    with TestClient(app) as client:
        created = client.post("/orders", json={"customer_email": "ada@example.com", "amount_cents": 1200})
        assert created.status_code == 201
        order = created.json()
        assert order["amount_cents"] == 1200
        shown = client.get(f"/orders/{order['id']}").json()
        assert shown["invoice"] == "sent"  # eager: sent inside the request, after its commit


def test_eager_bad_input_is_refused_and_unknown_orders_are_404(app, eager):
    with TestClient(app) as client:
        assert client.post("/orders", json={"customer_email": "ada@example.com", "amount_cents": -5}).status_code == 422
        assert client.post("/orders", json={"customer_email": "nobody", "amount_cents": 5}).status_code == 422
        assert client.get("/orders/999999").status_code == 404
