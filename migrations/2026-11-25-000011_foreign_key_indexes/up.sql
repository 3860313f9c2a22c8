-- An index behind every foreign key column: deleting a parent row (a voucher, a subscription,
-- an admin) must find its referencing rows by index, not by scanning the child table once per
-- deleted row. Nullable columns get partial indexes, which the key checks still use.

CREATE INDEX admin_sessions_replaced_by_idx ON admin_sessions (replaced_by_id) WHERE replaced_by_id IS NOT NULL;
CREATE INDEX customer_sessions_replaced_by_idx ON customer_sessions (replaced_by_id) WHERE replaced_by_id IS NOT NULL;
CREATE INDEX ledger_entries_subscription_idx ON ledger_entries (subscription_id) WHERE subscription_id IS NOT NULL;
CREATE INDEX ledger_entries_voucher_idx ON ledger_entries (voucher_id) WHERE voucher_id IS NOT NULL;
CREATE INDEX payments_created_by_idx ON payments (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX settings_updated_by_idx ON settings (updated_by) WHERE updated_by IS NOT NULL;
CREATE INDEX voucher_batches_created_by_idx ON voucher_batches (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX voucher_batches_router_idx ON voucher_batches (router_id) WHERE router_id IS NOT NULL;
CREATE INDEX vouchers_location_idx ON vouchers (location_id);
CREATE INDEX whatsapp_messages_session_idx ON whatsapp_messages (session_id) WHERE session_id IS NOT NULL;
