-- Hotspot voucher batches and vouchers, PPPoE secrets and subscriptions.

CREATE TABLE voucher_batches (
    id          BIGSERIAL PRIMARY KEY,
    -- optional code prefix: letters/digits, dashes inside ("HS-", "JKT1-")
    prefix      TEXT NOT NULL DEFAULT ''
                CONSTRAINT voucher_batches_prefix_format CHECK (prefix ~ '^([A-Za-z0-9][A-Za-z0-9-]{0,15})?$'),
    quantity    INTEGER NOT NULL CONSTRAINT voucher_batches_quantity_check CHECK (quantity > 0),
    profile_id  BIGINT NOT NULL REFERENCES profiles (id) ON DELETE RESTRICT,
    vendor_id   BIGINT REFERENCES vendors (id) ON DELETE RESTRICT,
    location_id BIGINT REFERENCES locations (id) ON DELETE SET NULL,
    router_id   BIGINT REFERENCES routers (id) ON DELETE SET NULL,
    price_cost  NUMERIC(15, 2) NOT NULL,
    price_sell  NUMERIC(15, 2) NOT NULL,
    -- length of the random part, after the prefix
    code_length INTEGER NOT NULL CONSTRAINT voucher_batches_code_length_check CHECK (code_length BETWEEN 6 AND 20),
    charset     TEXT NOT NULL CONSTRAINT voucher_batches_charset_format CHECK (charset ~ '^[A-Za-z0-9]{4,62}$'),
    created_by  BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    note        TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT voucher_batches_price_check CHECK (price_cost >= 0 AND price_sell >= price_cost)
);
CREATE INDEX voucher_batches_profile_idx ON voucher_batches (profile_id);
CREATE INDEX voucher_batches_vendor_idx ON voucher_batches (vendor_id);
CREATE INDEX voucher_batches_location_idx ON voucher_batches (location_id);
CREATE INDEX voucher_batches_created_idx ON voucher_batches (created_at);

CREATE TABLE vouchers (
    id                  BIGSERIAL PRIMARY KEY,
    batch_id            BIGINT NOT NULL REFERENCES voucher_batches (id) ON DELETE CASCADE,
    -- PREFIX + 6–20 random letters/digits; the prefix may contain dashes
    code                TEXT NOT NULL CONSTRAINT vouchers_code_key UNIQUE
                        CONSTRAINT vouchers_code_format
                        CHECK (code ~ '^([A-Za-z0-9][A-Za-z0-9-]{0,15})?[A-Za-z0-9]{6,20}$'),
    -- hotspot password (printed on the voucher, so not a secret); code by default
    password            TEXT NOT NULL,
    profile_id          BIGINT NOT NULL REFERENCES profiles (id) ON DELETE RESTRICT,
    location_id         BIGINT REFERENCES locations (id) ON DELETE SET NULL,
    router_id           BIGINT REFERENCES routers (id) ON DELETE SET NULL,
    status              TEXT NOT NULL DEFAULT 'unused'
                        CONSTRAINT vouchers_status_check CHECK (status IN ('unused', 'active', 'expired', 'disabled')),
    price_sell          NUMERIC(15, 2) NOT NULL CONSTRAINT vouchers_price_sell_check CHECK (price_sell >= 0),
    sold_at             TIMESTAMPTZ,
    sold_to_customer_id BIGINT REFERENCES customers (id) ON DELETE SET NULL,
    first_login_at      TIMESTAMPTZ,
    valid_until         TIMESTAMPTZ,
    expired_at          TIMESTAMPTZ,
    disabled_at         TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- the expiry sweep: active vouchers ordered by valid_until
CREATE INDEX vouchers_active_valid_until_idx ON vouchers (valid_until) WHERE status = 'active';
-- shelf-life cleanup of never-used vouchers
CREATE INDEX vouchers_unused_created_idx ON vouchers (created_at) WHERE status = 'unused';
CREATE INDEX vouchers_batch_idx ON vouchers (batch_id, id);
CREATE INDEX vouchers_router_status_idx ON vouchers (router_id, status);
CREATE INDEX vouchers_profile_idx ON vouchers (profile_id);
CREATE INDEX vouchers_sold_at_idx ON vouchers (sold_at) WHERE sold_at IS NOT NULL;
CREATE INDEX vouchers_customer_idx ON vouchers (sold_to_customer_id) WHERE sold_to_customer_id IS NOT NULL;
CREATE TRIGGER vouchers_set_updated_at BEFORE UPDATE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE pppoe_users (
    id             BIGSERIAL PRIMARY KEY,
    customer_id    BIGINT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    router_id      BIGINT NOT NULL REFERENCES routers (id) ON DELETE RESTRICT,
    username       TEXT NOT NULL CONSTRAINT pppoe_users_username_format CHECK (username ~ '^\S{1,64}$'),
    password_enc   BYTEA NOT NULL,
    profile_id     BIGINT NOT NULL REFERENCES profiles (id) ON DELETE RESTRICT,
    remote_address TEXT,
    local_address  TEXT,
    disabled       BOOLEAN NOT NULL DEFAULT false,
    notes          TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT pppoe_users_router_username_key UNIQUE (router_id, username)
);
CREATE INDEX pppoe_users_customer_idx ON pppoe_users (customer_id);
CREATE INDEX pppoe_users_profile_idx ON pppoe_users (profile_id);
CREATE TRIGGER pppoe_users_set_updated_at BEFORE UPDATE ON pppoe_users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE subscriptions (
    id                   BIGSERIAL PRIMARY KEY,
    customer_id          BIGINT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    pppoe_user_id        BIGINT REFERENCES pppoe_users (id) ON DELETE SET NULL,
    profile_id           BIGINT NOT NULL REFERENCES profiles (id) ON DELETE RESTRICT,
    status               TEXT NOT NULL DEFAULT 'pending'
                         CONSTRAINT subscriptions_status_check
                         CHECK (status IN ('pending', 'active', 'grace', 'expired', 'suspended', 'cancelled')),
    price                NUMERIC(15, 2) NOT NULL CONSTRAINT subscriptions_price_check CHECK (price >= 0),
    period_days          INTEGER NOT NULL DEFAULT 30 CONSTRAINT subscriptions_period_days_check CHECK (period_days > 0),
    current_period_start TIMESTAMPTZ,
    expires_at           TIMESTAMPTZ,
    grace_until          TIMESTAMPTZ,
    auto_renew           BOOLEAN NOT NULL DEFAULT true,
    cancelled_at         TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_grace_after_expiry
        CHECK (grace_until IS NULL OR expires_at IS NULL OR grace_until >= expires_at)
);
CREATE INDEX subscriptions_status_expires_idx ON subscriptions (status, expires_at);
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_id);
CREATE INDEX subscriptions_pppoe_user_idx ON subscriptions (pppoe_user_id);
CREATE INDEX subscriptions_profile_idx ON subscriptions (profile_id);
CREATE TRIGGER subscriptions_set_updated_at BEFORE UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
