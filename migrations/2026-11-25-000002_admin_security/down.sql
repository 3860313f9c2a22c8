DROP TABLE IF EXISTS idempotency_keys;
DROP TABLE IF EXISTS settings;
DROP TABLE IF EXISTS audit_log;
DROP TABLE IF EXISTS login_attempts;
DROP TABLE IF EXISTS admin_sessions;
DROP TABLE IF EXISTS admin_locations;
DROP TABLE IF EXISTS admin_users;
