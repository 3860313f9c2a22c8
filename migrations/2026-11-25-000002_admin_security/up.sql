-- Admin users and their sessions, customer-facing login throttling, audit trail,
-- runtime settings and HTTP idempotency keys.

CREATE TABLE admin_users (
    id                  BIGSERIAL PRIMARY KEY,
    username            TEXT NOT NULL CONSTRAINT admin_users_username_format CHECK (username ~ '^\S{3,64}$'),
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL
                        CONSTRAINT admin_users_role_check CHECK (role IN ('super_admin', 'admin', 'operator')),
    full_name           TEXT NOT NULL DEFAULT '',
    email               TEXT,
    phone               TEXT,
    -- the one location an operator belongs to; NULL = all locations
    location_id         BIGINT REFERENCES locations (id) ON DELETE SET NULL,
    disabled            BOOLEAN NOT NULL DEFAULT false,
    totp_secret_enc     BYTEA,
    totp_enabled        BOOLEAN NOT NULL DEFAULT false,
    -- hashes of unused recovery codes, never the codes themselves
    recovery_codes      JSONB NOT NULL DEFAULT '[]',
    failed_logins       INTEGER NOT NULL DEFAULT 0 CONSTRAINT admin_users_failed_logins_check CHECK (failed_logins >= 0),
    locked_until        TIMESTAMPTZ,
    last_login_at       TIMESTAMPTZ,
    password_changed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT admin_users_totp_needs_secret CHECK (NOT totp_enabled OR totp_secret_enc IS NOT NULL)
);
CREATE UNIQUE INDEX admin_users_username_key ON admin_users (lower(username));
CREATE INDEX admin_users_location_idx ON admin_users (location_id);
CREATE TRIGGER admin_users_set_updated_at BEFORE UPDATE ON admin_users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- "location users": the extra locations an admin may manage
CREATE TABLE admin_locations (
    admin_user_id BIGINT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    location_id   BIGINT NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (admin_user_id, location_id)
);
CREATE INDEX admin_locations_location_idx ON admin_locations (location_id);

CREATE TABLE admin_sessions (
    id                 BIGSERIAL PRIMARY KEY,
    admin_user_id      BIGINT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
    -- all refresh tokens rotated from one login share a family; reuse revokes the family
    family_id          UUID NOT NULL,
    refresh_token_hash BYTEA NOT NULL CONSTRAINT admin_sessions_refresh_token_hash_key UNIQUE,
    user_agent         TEXT,
    ip                 TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at         TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ,
    revoked_reason     TEXT,
    replaced_by_id     BIGINT REFERENCES admin_sessions (id) ON DELETE SET NULL
);
CREATE INDEX admin_sessions_user_idx ON admin_sessions (admin_user_id, created_at DESC);
CREATE INDEX admin_sessions_family_idx ON admin_sessions (family_id);
CREATE INDEX admin_sessions_expires_idx ON admin_sessions (expires_at);

CREATE TABLE login_attempts (
    id         BIGSERIAL PRIMARY KEY,
    realm      TEXT NOT NULL CONSTRAINT login_attempts_realm_check CHECK (realm IN ('admin', 'customer')),
    -- stored normalised (lower-case username, 62… phone) so throttling sees one key
    username   TEXT NOT NULL,
    ip         TEXT,
    succeeded  BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_username_idx ON login_attempts (realm, username, created_at DESC);
CREATE INDEX login_attempts_ip_idx ON login_attempts (realm, ip, created_at DESC);
CREATE INDEX login_attempts_created_idx ON login_attempts (created_at);

CREATE TABLE audit_log (
    id            BIGSERIAL PRIMARY KEY,
    actor_kind    TEXT NOT NULL
                  CONSTRAINT audit_log_actor_kind_check CHECK (actor_kind IN ('admin', 'customer', 'system', 'anonymous')),
    actor_id      BIGINT,
    actor_name    TEXT,
    action        TEXT NOT NULL,
    resource_type TEXT,
    resource_id   TEXT,
    method        TEXT,
    path          TEXT,
    status_code   INTEGER,
    ip            TEXT,
    request_id    TEXT,
    before        JSONB,
    after         JSONB,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_kind, actor_id, created_at DESC);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, created_at DESC);
CREATE INDEX audit_log_created_idx ON audit_log (created_at);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY CONSTRAINT settings_key_format CHECK (key ~ '^[a-z][a-z0-9_.]*$'),
    value      JSONB NOT NULL DEFAULT 'null',
    is_secret  BOOLEAN NOT NULL DEFAULT false,
    -- AES-256-GCM ciphertext (nonce prefixed) of the value when is_secret
    secret_enc BYTEA,
    description TEXT,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    CONSTRAINT settings_secret_only_when_secret CHECK (is_secret OR secret_enc IS NULL)
);
CREATE TRIGGER settings_set_updated_at BEFORE UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE idempotency_keys (
    scope            TEXT NOT NULL,
    key              TEXT NOT NULL,
    request_hash     BYTEA NOT NULL,
    status           TEXT NOT NULL DEFAULT 'in_progress'
                     CONSTRAINT idempotency_keys_status_check CHECK (status IN ('in_progress', 'completed')),
    response_status  INTEGER,
    response_headers JSONB,
    response_body    BYTEA,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key),
    CONSTRAINT idempotency_keys_completed_has_response
        CHECK (status <> 'completed' OR response_status IS NOT NULL)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);
