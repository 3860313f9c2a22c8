UPDATE scheduler_tasks
SET enabled = true
WHERE name IN ('router_poll', 'router_sync', 'expiry_sweep', 'expiry_warning',
               'voucher_cleanup', 'outbox_relay', 'backup');
