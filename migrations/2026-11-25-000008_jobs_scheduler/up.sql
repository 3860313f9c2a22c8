-- The transactional outbox, job de-duplication, dead letters and the scheduler's slots.

CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    job_id          UUID NOT NULL CONSTRAINT outbox_job_id_key UNIQUE,
    -- queue family, e.g. 'router.sync', 'notify.whatsapp'
    family          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         JSONB NOT NULL,
    idempotency_key TEXT,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CONSTRAINT outbox_status_check CHECK (status IN ('pending', 'published', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    available_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at    TIMESTAMPTZ
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE status = 'pending';
CREATE INDEX outbox_created_idx ON outbox (created_at);
CREATE INDEX outbox_idempotency_idx ON outbox (kind, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE processed_jobs (
    job_id       UUID PRIMARY KEY,
    kind         TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX processed_jobs_processed_idx ON processed_jobs (processed_at);

CREATE TABLE dead_jobs (
    id          BIGSERIAL PRIMARY KEY,
    job_id      UUID NOT NULL,
    family      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    payload     JSONB NOT NULL,
    last_error  TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    failed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    replayed_at TIMESTAMPTZ
);
CREATE INDEX dead_jobs_job_idx ON dead_jobs (job_id);
CREATE INDEX dead_jobs_open_idx ON dead_jobs (failed_at DESC) WHERE replayed_at IS NULL;
CREATE INDEX dead_jobs_family_idx ON dead_jobs (family, failed_at DESC);

CREATE TABLE scheduler_tasks (
    name             TEXT PRIMARY KEY,
    interval_seconds INTEGER NOT NULL CONSTRAINT scheduler_tasks_interval_seconds_check CHECK (interval_seconds > 0),
    -- slots start at epoch + offset + k * interval (e.g. 7200 = 09:00 Asia/Jakarta for daily tasks)
    offset_seconds   INTEGER NOT NULL DEFAULT 0 CONSTRAINT scheduler_tasks_offset_seconds_check CHECK (offset_seconds >= 0),
    enabled          BOOLEAN NOT NULL DEFAULT true,
    description      TEXT,
    last_slot        BIGINT,
    last_started_at  TIMESTAMPTZ,
    last_finished_at TIMESTAMPTZ,
    last_status      TEXT
                     CONSTRAINT scheduler_tasks_last_status_check
                     CHECK (last_status IN ('running', 'succeeded', 'failed', 'skipped')),
    last_error       TEXT,
    last_duration_ms BIGINT
);

CREATE TABLE scheduler_runs (
    id          BIGSERIAL PRIMARY KEY,
    task        TEXT NOT NULL REFERENCES scheduler_tasks (name) ON UPDATE CASCADE ON DELETE CASCADE,
    slot        BIGINT NOT NULL,
    -- worker id that claimed the slot
    holder      TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    status      TEXT NOT NULL DEFAULT 'running'
                CONSTRAINT scheduler_runs_status_check CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    error       TEXT,
    CONSTRAINT scheduler_runs_task_slot_key UNIQUE (task, slot)
);
CREATE INDEX scheduler_runs_started_idx ON scheduler_runs (started_at);
