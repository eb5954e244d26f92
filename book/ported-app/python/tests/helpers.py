"""Reads the database directly, as an operator would."""

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import engine
from app.models import InvoiceEmail, Order


def order_exists(order_id: int) -> bool:
    with Session(engine()) as db:
        return db.get(Order, order_id) is not None


def invoices_for(order_id: int) -> int:
    with Session(engine()) as db:
        return db.scalar(
            select(func.count()).select_from(InvoiceEmail).where(InvoiceEmail.order_id == order_id)
        )


def wait_for_invoice(client, order_id: int, within: float = 30.0) -> str:
    deadline = time.monotonic() + within
    while True:
        state = client.get(f"/orders/{order_id}").json()["invoice"]
        if state == "sent" or time.monotonic() > deadline:
            return state
        time.sleep(0.05)
