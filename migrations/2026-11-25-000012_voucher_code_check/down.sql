ALTER TABLE vouchers
    DROP CONSTRAINT vouchers_code_format,
    ADD CONSTRAINT vouchers_code_format
        CHECK (code ~ '^([A-Za-z0-9][A-Za-z0-9-]{0,15})?[A-Za-z0-9]{6,20}$');
