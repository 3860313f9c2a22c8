-- Payment plugins and payments, links, receipts, the webhook inbox and the customer ledger.

CREATE TABLE payment_plugins (
    name         TEXT PRIMARY KEY CONSTRAINT payment_plugins_name_format CHECK (name ~ '^[a-z][a-z0-9_]{1,31}$'),
    display_name TEXT NOT NULL,
    kind         TEXT NOT NULL CONSTRAINT payment_plugins_kind_check CHECK (kind IN ('manual', 'gateway')),
    enabled      BOOLEAN NOT NULL DEFAULT false,
    -- non-secret settings only; keys and tokens live encrypted in secrets_enc
    config       JSONB NOT NULL DEFAULT '{}',
    secrets_enc  BYTEA,
    fee_type     TEXT NOT NULL DEFAULT 'flat'
                 CONSTRAINT payment_plugins_fee_type_check CHECK (fee_type IN ('flat', 'percent')),
    fee_value    NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT payment_plugins_fee_value_check CHECK (fee_value >= 0),
    fee_payer    TEXT NOT NULL DEFAULT 'customer'
                 CONSTRAINT payment_plugins_fee_payer_check CHECK (fee_payer IN ('customer', 'merchant')),
    sort_order   INTEGER NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payment_plugins_percent_range CHECK (fee_type <> 'percent' OR fee_value <= 100)
);
CREATE TRIGGER payment_plugins_set_updated_at BEFORE UPDATE ON payment_plugins
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE payments (
    id              BIGSERIAL PRIMARY KEY,
    customer_id     BIGINT REFERENCES customers (id) ON DELETE RESTRICT,
    plugin          TEXT NOT NULL REFERENCES payment_plugins (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    -- our order id sent to the gateway
    merchant_ref    TEXT NOT NULL CONSTRAINT payments_merchant_ref_key UNIQUE,
    -- the gateway's reference
    external_id     TEXT,
    amount          NUMERIC(15, 2) NOT NULL CONSTRAINT payments_amount_check CHECK (amount > 0),
    fee             NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT payments_fee_check CHECK (fee >= 0),
    total           NUMERIC(15, 2) NOT NULL CONSTRAINT payments_total_check CHECK (total >= 0),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CONSTRAINT payments_status_check
                    CHECK (status IN ('pending', 'paid', 'failed', 'expired', 'cancelled', 'refunded')),
    purpose         TEXT NOT NULL
                    CONSTRAINT payments_purpose_check CHECK (purpose IN ('top_up', 'voucher', 'subscription', 'debt')),
    voucher_id      BIGINT REFERENCES vouchers (id) ON DELETE SET NULL,
    subscription_id BIGINT REFERENCES subscriptions (id) ON DELETE SET NULL,
    description     TEXT,
    failure_reason  TEXT,
    paid_at         TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    created_by      BIGINT REFERENCES admin_users (id) ON DELETE SET NULL,
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payments_paid_has_time CHECK (status NOT IN ('paid', 'refunded') OR paid_at IS NOT NULL)
);
CREATE INDEX payments_customer_idx ON payments (customer_id, created_at DESC);
CREATE INDEX payments_status_idx ON payments (status, created_at);
CREATE INDEX payments_external_idx ON payments (plugin, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX payments_paid_at_idx ON payments (paid_at) WHERE status = 'paid';
CREATE INDEX payments_subscription_idx ON payments (subscription_id) WHERE subscription_id IS NOT NULL;
CREATE INDEX payments_voucher_idx ON payments (voucher_id) WHERE voucher_id IS NOT NULL;
CREATE UNIQUE INDEX payments_idempotency_key ON payments (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TRIGGER payments_set_updated_at BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE payment_links (
    id         BIGSERIAL PRIMARY KEY,
    payment_id BIGINT NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    token      TEXT NOT NULL CONSTRAINT payment_links_token_key UNIQUE,
    url        TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    status     TEXT NOT NULL DEFAULT 'active'
               CONSTRAINT payment_links_status_check CHECK (status IN ('active', 'paid', 'expired', 'cancelled')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX payment_links_payment_idx ON payment_links (payment_id);
CREATE INDEX payment_links_active_expires_idx ON payment_links (expires_at) WHERE status = 'active';

CREATE TABLE receipts (
    id         BIGSERIAL PRIMARY KEY,
    payment_id BIGINT NOT NULL CONSTRAINT receipts_payment_id_key UNIQUE REFERENCES payments (id) ON DELETE RESTRICT,
    number     TEXT NOT NULL CONSTRAINT receipts_number_key UNIQUE,
    issued_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_inbox (
    id              BIGSERIAL PRIMARY KEY,
    gateway         TEXT NOT NULL,
    -- the gateway's unique event/transaction key: a replayed callback hits the unique index
    event_key       TEXT NOT NULL,
    headers         JSONB NOT NULL DEFAULT '{}',
    raw_body        BYTEA NOT NULL,
    signature_valid BOOLEAN NOT NULL,
    status          TEXT NOT NULL DEFAULT 'received'
                    CONSTRAINT webhook_inbox_status_check CHECK (status IN ('received', 'applied', 'ignored', 'failed')),
    payment_id      BIGINT REFERENCES payments (id) ON DELETE SET NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    received_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    processed_at    TIMESTAMPTZ,
    CONSTRAINT webhook_inbox_gateway_event_key UNIQUE (gateway, event_key)
);
CREATE INDEX webhook_inbox_pending_idx ON webhook_inbox (received_at) WHERE status = 'received';
CREATE INDEX webhook_inbox_payment_idx ON webhook_inbox (payment_id) WHERE payment_id IS NOT NULL;

-- Append-only: every change of a customer's balance or debt, with the values before and after.
CREATE TABLE ledger_entries (
    id              BIGSERIAL PRIMARY KEY,
    customer_id     BIGINT NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    entry_type      TEXT NOT NULL
                    CONSTRAINT ledger_entries_entry_type_check
                    CHECK (entry_type IN ('top_up', 'debit', 'refund', 'adjustment', 'add_debt', 'pay_debt', 'payment', 'purchase')),
    -- signed change: to balance, or to debt for add_debt / pay_debt
    amount          NUMERIC(15, 2) NOT NULL,
    balance_before  NUMERIC(15, 2) NOT NULL CONSTRAINT ledger_entries_balance_before_check CHECK (balance_before >= 0),
    balance_after   NUMERIC(15, 2) NOT NULL CONSTRAINT ledger_entries_balance_after_check CHECK (balance_after >= 0),
    debt_before     NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT ledger_entries_debt_before_check CHECK (debt_before >= 0),
    debt_after      NUMERIC(15, 2) NOT NULL DEFAULT 0 CONSTRAINT ledger_entries_debt_after_check CHECK (debt_after >= 0),
    payment_id      BIGINT REFERENCES payments (id) ON DELETE RESTRICT,
    voucher_id      BIGINT REFERENCES vouchers (id) ON DELETE SET NULL,
    subscription_id BIGINT REFERENCES subscriptions (id) ON DELETE SET NULL,
    reference       TEXT,
    actor_kind      TEXT NOT NULL
                    CONSTRAINT ledger_entries_actor_kind_check CHECK (actor_kind IN ('admin', 'customer', 'system', 'anonymous')),
    actor_id        BIGINT,
    note            TEXT,
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_customer_idx ON ledger_entries (customer_id, id DESC);
CREATE INDEX ledger_entries_created_idx ON ledger_entries (created_at);
CREATE INDEX ledger_entries_type_created_idx ON ledger_entries (entry_type, created_at);
CREATE INDEX ledger_entries_payment_idx ON ledger_entries (payment_id) WHERE payment_id IS NOT NULL;
CREATE UNIQUE INDEX ledger_entries_idempotency_key ON ledger_entries (customer_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
