-- Extensions, the shared updated_at trigger function, settings and locations.

-- pg_trgm powers fuzzy customer-name search. It ships with PostgreSQL's contrib
-- package; when it is missing the schema still works, only the trigram index is skipped.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm is not available; trigram name search is disabled';
END
$$;

-- Bumps updated_at on every real change, unless the statement set it explicitly.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TABLE locations (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT NOT NULL CONSTRAINT locations_name_key UNIQUE
                CONSTRAINT locations_name_not_blank CHECK (btrim(name) <> ''),
    address     TEXT,
    timezone    TEXT NOT NULL DEFAULT 'Asia/Jakarta',
    notes       TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER locations_set_updated_at BEFORE UPDATE ON locations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
