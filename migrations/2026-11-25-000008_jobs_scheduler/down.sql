DROP TABLE IF EXISTS scheduler_runs;
DROP TABLE IF EXISTS scheduler_tasks;
DROP TABLE IF EXISTS dead_jobs;
DROP TABLE IF EXISTS processed_jobs;
DROP TABLE IF EXISTS outbox;
