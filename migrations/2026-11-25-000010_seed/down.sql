DELETE FROM scheduler_runs WHERE task IN
    ('router_poll', 'router_sync', 'expiry_sweep', 'expiry_warning', 'voucher_cleanup', 'outbox_relay', 'housekeeping', 'backup');
DELETE FROM scheduler_tasks WHERE name IN
    ('router_poll', 'router_sync', 'expiry_sweep', 'expiry_warning', 'voucher_cleanup', 'outbox_relay', 'housekeeping', 'backup');
DELETE FROM whatsapp_templates WHERE key IN
    ('welcome_hotspot', 'welcome_pppoe', 'payment_confirmation', 'expiry_warning', 'service_expired', 'service_renewed');
DELETE FROM payment_plugins WHERE name IN ('cash', 'bank_transfer', 'duitku', 'midtrans', 'xendit', 'tripay')
    AND NOT EXISTS (SELECT 1 FROM payments WHERE payments.plugin = payment_plugins.name);
DELETE FROM settings WHERE key IN
    ('company_name', 'company_address', 'company_phone', 'timezone', 'currency', 'voucher_marker', 'pppoe_marker',
     'grace_period_days', 'expiry_warning_days', 'print_layout', 'voucher_charset', 'voucher_code_length',
     'voucher_shelf_life_days', 'drift_mode');
