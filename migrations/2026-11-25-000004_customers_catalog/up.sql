-- Customers and their portal sessions, service profiles (plans) and vendors.

CREATE TABLE customers (
    id                   BIGSERIAL PRIMARY KEY,
    phone                TEXT NOT NULL CONSTRAINT customers_phone_key UNIQUE
                         CONSTRAINT customers_phone_format CHECK (phone ~ '^62[0-9]{7,13}$'),
    name                 TEXT NOT NULL CONSTRAINT customers_name_not_blank CHECK (btrim(name) <> ''),
    email                TEXT,
    address              TEXT,
    location_id          BIGINT REFERENCES locations (id) ON DELETE SET NULL,
    status               TEXT NOT NULL DEFAULT 'active'
                         CONSTRAINT customers_status_check CHECK (status IN ('active', 'inactive', 'suspended')),
    balance              NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT customers_balance_check CHECK (balance >= 0),
    debt                 NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT customers_debt_check CHECK (debt >= 0),
    notes                TEXT,
    portal_password_hash TEXT,
    deleted_at           TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- prefix search ("6281…") and case-insensitive name prefix search
CREATE INDEX customers_phone_prefix_idx ON customers (phone text_pattern_ops);
CREATE INDEX customers_name_lower_idx ON customers (lower(name) text_pattern_ops);
CREATE INDEX customers_status_idx ON customers (status);
CREATE INDEX customers_location_idx ON customers (location_id);
CREATE INDEX customers_debtors_idx ON customers (debt) WHERE debt > 0;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops);
    END IF;
END
$$;
CREATE TRIGGER customers_set_updated_at BEFORE UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE customer_sessions (
    id                 BIGSERIAL PRIMARY KEY,
    customer_id        BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    family_id          UUID NOT NULL,
    refresh_token_hash BYTEA NOT NULL CONSTRAINT customer_sessions_refresh_token_hash_key UNIQUE,
    user_agent         TEXT,
    ip                 TEXT,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at         TIMESTAMPTZ NOT NULL,
    revoked_at         TIMESTAMPTZ,
    revoked_reason     TEXT,
    replaced_by_id     BIGINT REFERENCES customer_sessions (id) ON DELETE SET NULL
);
CREATE INDEX customer_sessions_customer_idx ON customer_sessions (customer_id, created_at DESC);
CREATE INDEX customer_sessions_family_idx ON customer_sessions (family_id);
CREATE INDEX customer_sessions_expires_idx ON customer_sessions (expires_at);

CREATE TABLE profiles (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL CONSTRAINT profiles_name_key UNIQUE
                     CONSTRAINT profiles_name_not_blank CHECK (btrim(name) <> ''),
    profile_type     TEXT NOT NULL
                     CONSTRAINT profiles_profile_type_check CHECK (profile_type IN ('hotspot', 'pppoe')),
    -- the profile's name on the router (/ip/hotspot/user/profile or /ppp/profile)
    router_profile   TEXT NOT NULL,
    -- as the operator wrote it ("3h", "1d", "30d"); validity_seconds is what code uses
    validity         TEXT NOT NULL,
    validity_seconds BIGINT NOT NULL CONSTRAINT profiles_validity_seconds_check CHECK (validity_seconds > 0),
    rate_limit       TEXT,
    shared_users     INTEGER NOT NULL DEFAULT 1 CONSTRAINT profiles_shared_users_check CHECK (shared_users >= 1),
    price_cost       NUMERIC(15, 2) NOT NULL DEFAULT 0,
    price_sell       NUMERIC(15, 2) NOT NULL,
    active           BOOLEAN NOT NULL DEFAULT true,
    description      TEXT,
    deleted_at       TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT profiles_price_check CHECK (price_cost >= 0 AND price_sell >= price_cost)
);
CREATE INDEX profiles_type_idx ON profiles (profile_type) WHERE deleted_at IS NULL;
CREATE TRIGGER profiles_set_updated_at BEFORE UPDATE ON profiles
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- where a profile may be sold; a profile without rows here is available everywhere
CREATE TABLE profile_locations (
    profile_id  BIGINT NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
    location_id BIGINT NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    PRIMARY KEY (profile_id, location_id)
);
CREATE INDEX profile_locations_location_idx ON profile_locations (location_id);

CREATE TABLE vendors (
    id               BIGSERIAL PRIMARY KEY,
    name             TEXT NOT NULL CONSTRAINT vendors_name_key UNIQUE
                     CONSTRAINT vendors_name_not_blank CHECK (btrim(name) <> ''),
    phone            TEXT CONSTRAINT vendors_phone_format CHECK (phone ~ '^62[0-9]{7,13}$'),
    contact_name     TEXT,
    address          TEXT,
    location_id      BIGINT REFERENCES locations (id) ON DELETE SET NULL,
    -- reseller discount off price_sell, in percent
    discount_percent NUMERIC(5, 2) NOT NULL DEFAULT 0
                     CONSTRAINT vendors_discount_percent_check CHECK (discount_percent BETWEEN 0 AND 100),
    balance          NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT vendors_balance_check CHECK (balance >= 0),
    debt             NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT vendors_debt_check CHECK (debt >= 0),
    active           BOOLEAN NOT NULL DEFAULT true,
    notes            TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX vendors_location_idx ON vendors (location_id);
CREATE TRIGGER vendors_set_updated_at BEFORE UPDATE ON vendors
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
