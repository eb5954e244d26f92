-- The application's own table, for the Diesel snippets of book/src/sqlalchemy.md.
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    customer     TEXT    NOT NULL,
    amount_cents BIGINT  NOT NULL,
    invoice_job  BIGINT
);
