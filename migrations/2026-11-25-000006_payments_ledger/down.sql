DROP TABLE IF EXISTS ledger_entries;
DROP TABLE IF EXISTS webhook_inbox;
DROP TABLE IF EXISTS receipts;
DROP TABLE IF EXISTS payment_links;
DROP TABLE IF EXISTS payments;
DROP TABLE IF EXISTS payment_plugins;
