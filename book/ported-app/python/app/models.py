"""The tables: orders, and the invoice e-mails sent for them."""

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_email: Mapped[str] = mapped_column(String(254))
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class InvoiceEmail(Base):
    """One row per e-mail the mailer sent: the fake mailer writes here instead of SMTP."""

    __tablename__ = "invoice_emails"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
