-- The worker registers the tasks it really runs (store::scheduler::ensure_task): router
-- health/sync run as `router.health` / `router.sync`. Seeded rows for tasks that no code runs
-- yet are disabled, so the API does not present them as live schedules; each feature's issue
-- enables its row when its task exists.
UPDATE scheduler_tasks
SET enabled = false
WHERE name IN ('router_poll', 'router_sync', 'expiry_sweep', 'expiry_warning',
               'voucher_cleanup', 'outbox_relay', 'backup');
