//! Request and response bodies (`app/schemas.py`): serde for the shape, [`NewOrder::validate`]
//! for what Pydantic's `Field(...)` constraints checked.

use serde::{Deserialize, Serialize};

use crate::models::order;

// ANCHOR: schemas
/// Body of `POST /orders`.
#[derive(Debug, Serialize, Deserialize)]
pub struct NewOrder {
    /// 3 to 254 characters, one `@`, no spaces.
    pub customer_email: String,
    /// Greater than 0.
    pub amount_cents: i64,
}

impl NewOrder {
    /// The checks of the Pydantic model; the error says which field is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let email = &self.customer_email;
        let well_formed = matches!(email.split_once('@'),
            Some((user, domain)) if !user.is_empty() && !domain.is_empty() && !domain.contains('@'))
            && !email.contains(char::is_whitespace);
        if !(3..=254).contains(&email.len()) || !well_formed {
            return Err("customer_email: not an e-mail address".into());
        }
        if self.amount_cents <= 0 {
            return Err("amount_cents: must be greater than 0".into());
        }
        Ok(())
    }
}

/// Answer of `POST /orders` and `GET /orders/{id}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct OrderOut {
    /// The order's id.
    pub id: i64,
    /// Where the invoice goes.
    pub customer_email: String,
    /// Total in cents.
    pub amount_cents: i64,
    /// `pending` until the invoice e-mail is sent, then `sent`.
    pub invoice: String,
}

impl OrderOut {
    /// The view of `order`, with `sent` telling whether its invoice e-mail went out.
    pub fn new(order: order::Model, sent: bool) -> OrderOut {
        OrderOut {
            id: order.id,
            customer_email: order.customer_email,
            amount_cents: order.amount_cents,
            invoice: if sent { "sent" } else { "pending" }.to_owned(),
        }
    }
}
// ANCHOR_END: schemas
