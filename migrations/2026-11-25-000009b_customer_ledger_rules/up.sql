-- Customer and ledger rules that the first schema left implicit.

-- A soft-deleted customer keeps its row and ledger history but releases its phone number,
-- so the number can be registered again. The index keeps the old constraint's name so
-- errors still point at `phone`.
ALTER TABLE customers DROP CONSTRAINT customers_phone_key;
CREATE UNIQUE INDEX customers_phone_key ON customers (phone) WHERE deleted_at IS NULL;

-- What domain::ledger writes: `amount` is the signed change of the balance for every entry
-- type, so sum(amount) per customer equals the balance.
COMMENT ON COLUMN ledger_entries.amount IS
    'signed change of the balance (balance_after - balance_before); the debt change is debt_after - debt_before';
