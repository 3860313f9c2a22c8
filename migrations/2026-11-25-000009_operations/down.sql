DROP TABLE IF EXISTS plugin_error_logs;
DROP TABLE IF EXISTS system_logs;
DROP TABLE IF EXISTS backups;
DROP TABLE IF EXISTS backup_schedules;
