-- WhatsApp sessions, templates and the outgoing message queue; the notification queue.

CREATE TABLE whatsapp_sessions (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT NOT NULL CONSTRAINT whatsapp_sessions_name_key UNIQUE,
    provider        TEXT NOT NULL
                    CONSTRAINT whatsapp_sessions_provider_check CHECK (provider IN ('cloud_api', 'waha', 'evolution', 'log')),
    -- non-secret provider settings (base URL, phone number id, instance name)
    config          JSONB NOT NULL DEFAULT '{}',
    token_enc       BYTEA,
    -- lower sends first; failover walks up the list
    priority        INTEGER NOT NULL DEFAULT 100,
    status          TEXT NOT NULL DEFAULT 'disconnected'
                    CONSTRAINT whatsapp_sessions_status_check
                    CHECK (status IN ('disconnected', 'connecting', 'connected', 'failed')),
    min_interval_ms INTEGER NOT NULL DEFAULT 1000
                    CONSTRAINT whatsapp_sessions_min_interval_ms_check CHECK (min_interval_ms >= 0),
    last_sent_at    TIMESTAMPTZ,
    last_error      TEXT,
    enabled         BOOLEAN NOT NULL DEFAULT true,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER whatsapp_sessions_set_updated_at BEFORE UPDATE ON whatsapp_sessions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE whatsapp_templates (
    id          BIGSERIAL PRIMARY KEY,
    key         TEXT NOT NULL CONSTRAINT whatsapp_templates_key_key UNIQUE
                CONSTRAINT whatsapp_templates_key_format CHECK (key ~ '^[a-z][a-z0-9_]{0,63}$'),
    language    TEXT NOT NULL DEFAULT 'id',
    body        TEXT NOT NULL CONSTRAINT whatsapp_templates_body_not_blank CHECK (btrim(body) <> ''),
    description TEXT,
    active      BOOLEAN NOT NULL DEFAULT true,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER whatsapp_templates_set_updated_at BEFORE UPDATE ON whatsapp_templates
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE whatsapp_messages (
    id                  BIGSERIAL PRIMARY KEY,
    session_id          BIGINT REFERENCES whatsapp_sessions (id) ON DELETE SET NULL,
    customer_id         BIGINT REFERENCES customers (id) ON DELETE SET NULL,
    phone               TEXT NOT NULL CONSTRAINT whatsapp_messages_phone_format CHECK (phone ~ '^62[0-9]{7,13}$'),
    template_key        TEXT,
    body                TEXT NOT NULL,
    priority            TEXT NOT NULL DEFAULT 'normal'
                        CONSTRAINT whatsapp_messages_priority_check CHECK (priority IN ('high', 'normal', 'low', 'bulk')),
    -- queue order: text priorities do not sort, this does (0 = high … 3 = bulk)
    priority_rank       SMALLINT GENERATED ALWAYS AS (
                            CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 WHEN 'low' THEN 2 ELSE 3 END
                        ) STORED,
    status              TEXT NOT NULL DEFAULT 'queued'
                        CONSTRAINT whatsapp_messages_status_check
                        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    provider_message_id TEXT,
    error               TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at             TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    read_at             TIMESTAMPTZ
);
-- the send queue: queued messages by priority, then due time
CREATE INDEX whatsapp_messages_queue_idx ON whatsapp_messages (priority_rank, next_attempt_at, id)
    WHERE status = 'queued';
CREATE INDEX whatsapp_messages_provider_idx ON whatsapp_messages (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX whatsapp_messages_customer_idx ON whatsapp_messages (customer_id, created_at DESC);
CREATE INDEX whatsapp_messages_created_idx ON whatsapp_messages (created_at);

CREATE TABLE notifications (
    id           BIGSERIAL PRIMARY KEY,
    event        TEXT NOT NULL,
    channel      TEXT NOT NULL DEFAULT 'whatsapp'
                 CONSTRAINT notifications_channel_check CHECK (channel IN ('whatsapp', 'email', 'webhook')),
    customer_id  BIGINT REFERENCES customers (id) ON DELETE SET NULL,
    payload      JSONB NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL DEFAULT 'pending'
                 CONSTRAINT notifications_status_check CHECK (status IN ('pending', 'processed', 'failed', 'skipped')),
    -- e.g. 'expiry_warning:subscription:42:2026-11-25' so a rerun does not notify twice
    dedupe_key   TEXT CONSTRAINT notifications_dedupe_key_key UNIQUE,
    error        TEXT,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at TIMESTAMPTZ
);
CREATE INDEX notifications_pending_idx ON notifications (id) WHERE status = 'pending';
CREATE INDEX notifications_customer_idx ON notifications (customer_id, created_at DESC);
