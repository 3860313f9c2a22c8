COMMENT ON COLUMN ledger_entries.amount IS NULL;
DROP INDEX customers_phone_key;
ALTER TABLE customers ADD CONSTRAINT customers_phone_key UNIQUE (phone);
