"""The FastAPI app: POST /orders saves an order and sends its invoice task; GET /orders/{id}
shows the order and whether its invoice e-mail went out. Run with `uvicorn app.main:app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from celery.result import AsyncResult
from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from .config import Settings, get_settings
from .db import Base, engine, get_db
from .models import InvoiceEmail, Order
from .schemas import NewOrder, OrderOut
from .tasks import send_invoice


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    Base.metadata.create_all(engine())
    yield


app = FastAPI(lifespan=lifespan)


# ANCHOR: hooks
class Hooks:
    """Points in the handler where tests pause it; no-ops in production."""

    def after_send(self, order_id: int, result: AsyncResult) -> None:
        pass

    def after_commit(self, order_id: int) -> None:
        pass


def get_hooks() -> Hooks:
    return Hooks()
# ANCHOR_END: hooks


# ANCHOR: create_order
@app.post("/orders", status_code=201, response_model=OrderOut)
def create_order(
    body: NewOrder,
    db: Session = Depends(get_db),
    settings: Settings = Depends(get_settings),
    hooks: Hooks = Depends(get_hooks),
) -> OrderOut:
    order = Order(customer_email=body.customer_email, amount_cents=body.amount_cents)
    db.add(order)
    db.flush()  # order.id is known; the row is not committed
    if settings.send_invoice == "before_commit":
        result = send_invoice.delay(order.id)  # bug 1: a worker may run it before COMMIT
        hooks.after_send(order.id, result)
        db.commit()
    else:
        db.commit()
        hooks.after_commit(order.id)
        send_invoice.delay(order.id)  # bug 2: a crash just before this loses the task
    return OrderOut(
        id=order.id,
        customer_email=order.customer_email,
        amount_cents=order.amount_cents,
        invoice="pending",
    )
# ANCHOR_END: create_order


@app.get("/orders/{order_id}", response_model=OrderOut)
def show_order(order_id: int, db: Session = Depends(get_db)) -> OrderOut:
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail=f"no order {order_id}")
    sent = db.scalars(select(InvoiceEmail.id).where(InvoiceEmail.order_id == order_id)).first()
    return OrderOut(
        id=order.id,
        customer_email=order.customer_email,
        amount_cents=order.amount_cents,
        invoice="sent" if sent is not None else "pending",
    )
