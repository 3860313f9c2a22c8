-- MikroTik routers, their health history, detected drift and polling leases.

CREATE TABLE routers (
    id              BIGSERIAL PRIMARY KEY,
    location_id     BIGINT NOT NULL REFERENCES locations (id) ON DELETE RESTRICT,
    name            TEXT NOT NULL CONSTRAINT routers_name_not_blank CHECK (btrim(name) <> ''),
    host            TEXT NOT NULL,
    api_port        INTEGER NOT NULL DEFAULT 8728
                    CONSTRAINT routers_api_port_check CHECK (api_port BETWEEN 1 AND 65535),
    use_tls         BOOLEAN NOT NULL DEFAULT false,
    -- SHA-256 of the router's certificate, pinned on first TLS connect
    tls_fingerprint TEXT,
    username        TEXT NOT NULL,
    password_enc    BYTEA NOT NULL,
    -- NULL = the location's timezone
    timezone        TEXT,
    enabled         BOOLEAN NOT NULL DEFAULT true,
    -- operator hint for the login method ('6' = pre-6.43 MD5 challenge); NULL = detect
    ros_version     TEXT,
    status          TEXT NOT NULL DEFAULT 'unknown'
                    CONSTRAINT routers_status_check CHECK (status IN ('unknown', 'online', 'offline')),
    last_seen_at    TIMESTAMPTZ,
    last_checked_at TIMESTAMPTZ,
    latency_ms      INTEGER,
    identity        TEXT,
    version         TEXT,
    uptime_seconds  BIGINT,
    cpu_load        INTEGER,
    free_memory     BIGINT,
    total_memory    BIGINT,
    board_name      TEXT,
    last_error      TEXT,
    sync_mode       TEXT NOT NULL DEFAULT 'report'
                    CONSTRAINT routers_sync_mode_check CHECK (sync_mode IN ('report', 'repair')),
    last_synced_at  TIMESTAMPTZ,
    notes           TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT routers_location_name_key UNIQUE (location_id, name)
);
CREATE INDEX routers_status_idx ON routers (status) WHERE enabled;
CREATE INDEX routers_host_idx ON routers (host, api_port);
CREATE TRIGGER routers_set_updated_at BEFORE UPDATE ON routers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE router_health_checks (
    id             BIGSERIAL PRIMARY KEY,
    router_id      BIGINT NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    checked_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    online         BOOLEAN NOT NULL,
    latency_ms     INTEGER,
    cpu_load       INTEGER,
    free_memory    BIGINT,
    uptime_seconds BIGINT,
    error          TEXT
);
CREATE INDEX router_health_checks_router_idx ON router_health_checks (router_id, checked_at DESC);
CREATE INDEX router_health_checks_checked_idx ON router_health_checks (checked_at);

CREATE TABLE router_drift (
    id          BIGSERIAL PRIMARY KEY,
    router_id   BIGINT NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    object_type TEXT NOT NULL
                CONSTRAINT router_drift_object_type_check
                CHECK (object_type IN ('hotspot_user', 'hotspot_profile', 'ppp_secret', 'ppp_profile')),
    object_name TEXT NOT NULL,
    drift_kind  TEXT NOT NULL
                CONSTRAINT router_drift_drift_kind_check CHECK (drift_kind IN ('missing', 'unexpected', 'changed')),
    expected    JSONB,
    actual      JSONB,
    detected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    resolved_at TIMESTAMPTZ,
    resolution  TEXT
                CONSTRAINT router_drift_resolution_check CHECK (resolution IN ('repaired', 'accepted', 'ignored', 'cleared')),
    CONSTRAINT router_drift_resolved_consistent CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);
-- at most one open drift per router object; resolved rows are history
CREATE UNIQUE INDEX router_drift_open_key ON router_drift (router_id, object_type, object_name)
    WHERE resolved_at IS NULL;
CREATE INDEX router_drift_router_idx ON router_drift (router_id, detected_at DESC);

CREATE TABLE router_leases (
    router_id   BIGINT PRIMARY KEY REFERENCES routers (id) ON DELETE CASCADE,
    holder      TEXT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX router_leases_expires_idx ON router_leases (expires_at);
