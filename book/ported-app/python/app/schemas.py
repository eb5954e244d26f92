"""Request and response bodies (Pydantic)."""

from typing import Literal

from pydantic import BaseModel, Field


class NewOrder(BaseModel):
    customer_email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    amount_cents: int = Field(gt=0)


class OrderOut(BaseModel):
    id: int
    customer_email: str
    amount_cents: int
    invoice: Literal["pending", "sent"]
