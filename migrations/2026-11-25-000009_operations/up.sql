-- Backups and their schedules, system and plugin error logs.

CREATE TABLE backup_schedules (
    id          BIGSERIAL PRIMARY KEY,
    frequency   TEXT NOT NULL
                CONSTRAINT backup_schedules_frequency_check CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    -- how many backups of this schedule to keep (7 daily / 4 weekly / 12 monthly by default)
    retention   INTEGER NOT NULL CONSTRAINT backup_schedules_retention_check CHECK (retention > 0),
    storage     TEXT NOT NULL DEFAULT 'local'
                CONSTRAINT backup_schedules_storage_check CHECK (storage IN ('local', 's3')),
    enabled     BOOLEAN NOT NULL DEFAULT true,
    last_run_at TIMESTAMPTZ,
    next_run_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT backup_schedules_frequency_storage_key UNIQUE (frequency, storage)
);
CREATE INDEX backup_schedules_next_run_idx ON backup_schedules (next_run_at) WHERE enabled;
CREATE TRIGGER backup_schedules_set_updated_at BEFORE UPDATE ON backup_schedules
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE backups (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL DEFAULT 'manual'
                CONSTRAINT backups_kind_check CHECK (kind IN ('manual', 'scheduled', 'pre_restore')),
    storage     TEXT NOT NULL DEFAULT 'local'
                CONSTRAINT backups_storage_check CHECK (storage IN ('local', 's3')),
    schedule_id BIGINT REFERENCES backup_schedules (id) ON DELETE SET NULL,
    path        TEXT,
    size_bytes  BIGINT,
    sha256      TEXT,
    encrypted   BOOLEAN NOT NULL DEFAULT true,
    status      TEXT NOT NULL DEFAULT 'running'
                CONSTRAINT backups_status_check CHECK (status IN ('running', 'completed', 'failed')),
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    error       TEXT,
    verified_at TIMESTAMPTZ
);
CREATE INDEX backups_started_idx ON backups (started_at DESC);
CREATE INDEX backups_schedule_idx ON backups (schedule_id, started_at DESC);

CREATE TABLE system_logs (
    id         BIGSERIAL PRIMARY KEY,
    level      TEXT NOT NULL
               CONSTRAINT system_logs_level_check CHECK (level IN ('trace', 'debug', 'info', 'warn', 'error')),
    source     TEXT NOT NULL,
    message    TEXT NOT NULL,
    context    JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX system_logs_created_idx ON system_logs (created_at);
CREATE INDEX system_logs_level_idx ON system_logs (level, created_at DESC);

CREATE TABLE plugin_error_logs (
    id         BIGSERIAL PRIMARY KEY,
    plugin     TEXT NOT NULL,
    message    TEXT NOT NULL,
    context    JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX plugin_error_logs_plugin_idx ON plugin_error_logs (plugin, created_at DESC);
CREATE INDEX plugin_error_logs_created_idx ON plugin_error_logs (created_at);
