"""The dual-write bug, both orders, with a real Celery worker process, Redis and PostgreSQL.

The tests pause the handler at the point where the bug lives (a `Hooks` override, or a
SIGKILL of a real uvicorn process). The pause only makes the losing interleaving happen every
time instead of once in a while in production; the code paths are the app's own.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
from fastapi.testclient import TestClient

from app.config import Settings, get_settings
from app.main import Hooks, get_hooks

from .conftest import QUEUE, ROOT
from .helpers import invoices_for, order_exists, wait_for_invoice

ADA = {"customer_email": "ada@example.com", "amount_cents": 1200}


def sending(mode: str) -> Settings:
    settings = get_settings()
    return Settings(settings.database_url, settings.broker_url, settings.queue, mode)


def test_real_worker_invoices_an_order_sent_after_commit(app, worker):
    """The control: with nothing going wrong, the worker sends the invoice."""
    with TestClient(app) as client:
        order = client.post("/orders", json=ADA).json()
        assert wait_for_invoice(client, order["id"]) == "sent"


def test_real_worker_runs_the_task_before_its_order_commits(app, worker, broker):
    """Bug 1: `.delay()` before `commit()`. The worker takes the task while the order is
    still uncommitted, finds no row and fails; the order commits a moment later and its
    invoice is never sent."""
    seen = {}

    class WaitForTheWorker(Hooks):
        def after_send(self, order_id, result):
            # Between the send and the commit: let the real worker run the task now.
            result.get(timeout=30, propagate=False)
            seen.update(order_id=order_id, state=result.state, error=repr(result.result))

    app.dependency_overrides[get_settings] = lambda: sending("before_commit")
    app.dependency_overrides[get_hooks] = WaitForTheWorker
    with TestClient(app) as client:
        created = client.post("/orders", json=ADA)
        assert created.status_code == 201
        order_id = created.json()["id"]

        assert seen["order_id"] == order_id
        assert seen["state"] == "FAILURE", seen
        assert "not found" in seen["error"], seen
        assert order_exists(order_id), "the order did commit, after its task ran"
        time.sleep(1.0)
        assert broker.llen(QUEUE) == 0, "nothing is left to retry the send"
        assert client.get(f"/orders/{order_id}").json()["invoice"] == "pending"
        assert invoices_for(order_id) == 0, "the invoice is lost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_worker_never_gets_the_task_of_a_process_killed_after_commit(app, worker, broker, tmp_path):
    """Bug 2: `.delay()` after `commit()`. A real uvicorn process commits the order and is
    SIGKILLed (a deploy, the OOM killer) before it sends the task. The order exists; no task
    was ever sent, and nothing will send it."""
    marker = tmp_path / "committed"
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.serve_paused", str(port), str(marker)],
        cwd=ROOT, env={**os.environ, "SEND_INVOICE": "after_commit"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/orders/0", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        errors = []

        def post():
            try:
                httpx.post(f"{base}/orders", json=ADA, timeout=30)
            except httpx.TransportError as e:
                errors.append(e)

        request = threading.Thread(target=post)
        request.start()
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline + 20, "the handler never committed"
            time.sleep(0.02)
        order_id = int(marker.read_text())
        server.send_signal(signal.SIGKILL)
        server.wait()
        request.join()
        assert errors, "the client saw the connection die"
    finally:
        server.kill()
        server.wait()

    assert order_exists(order_id), "the order committed before the kill"
    assert broker.llen(QUEUE) == 0, "no task was ever sent"
    # The worker is alive and working: a later order gets its invoice...
    with TestClient(app) as client:
        later = client.post("/orders", json=ADA).json()
        assert wait_for_invoice(client, later["id"]) == "sent"
        # ...and the killed request's order never will.
        assert client.get(f"/orders/{order_id}").json()["invoice"] == "pending"
    assert invoices_for(order_id) == 0, "the invoice is lost"
