"""The Celery app and its one task. Start a worker with
`celery -A app.tasks:celery worker --pool=solo`."""

from celery import Celery
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from .config import get_settings
from .db import engine
from .models import InvoiceEmail, Order

# ANCHOR: celery
settings = get_settings()
celery = Celery("ported_app", broker=settings.broker_url, backend=settings.broker_url)
celery.conf.update(
    task_default_queue=settings.queue,
    task_acks_late=True,
    result_expires=600,
    broker_connection_retry_on_startup=True,
)
# ANCHOR_END: celery


class OrderNotFound(Exception):
    """The task's order does not exist (or is not committed yet)."""


# ANCHOR: send_invoice
@celery.task(name="send_invoice")
def send_invoice(order_id: int) -> str:
    with Session(engine()) as db:
        order = db.scalars(select(Order).where(Order.id == order_id)).one_or_none()
        if order is None:
            raise OrderNotFound(f"order {order_id} not found")
        body = f"Invoice for order {order.id}: {order.amount_cents / 100:.2f} EUR"
        # Idempotent: a redelivered task (acks_late) finds the e-mail already sent.
        db.execute(
            insert(InvoiceEmail)
            .values(order_id=order.id, recipient=order.customer_email, body=body)
            .on_conflict_do_nothing(index_elements=["order_id"])
        )
        db.commit()
    return "sent"
# ANCHOR_END: send_invoice
