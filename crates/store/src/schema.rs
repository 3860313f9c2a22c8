// @generated automatically by Diesel CLI.

diesel::table! {
    admin_locations (admin_user_id, location_id) {
        admin_user_id -> Int8,
        location_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    admin_sessions (id) {
        id -> Int8,
        admin_user_id -> Int8,
        family_id -> Uuid,
        refresh_token_hash -> Bytea,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
        replaced_by_id -> Nullable<Int8>,
    }
}

diesel::table! {
    admin_users (id) {
        id -> Int8,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        full_name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        location_id -> Nullable<Int8>,
        disabled -> Bool,
        totp_secret_enc -> Nullable<Bytea>,
        totp_enabled -> Bool,
        recovery_codes -> Jsonb,
        failed_logins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        last_login_at -> Nullable<Timestamptz>,
        password_changed_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        actor_kind -> Text,
        actor_id -> Nullable<Int8>,
        actor_name -> Nullable<Text>,
        action -> Text,
        resource_type -> Nullable<Text>,
        resource_id -> Nullable<Text>,
        method -> Nullable<Text>,
        path -> Nullable<Text>,
        status_code -> Nullable<Int4>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    backup_schedules (id) {
        id -> Int8,
        frequency -> Text,
        retention -> Int4,
        storage -> Text,
        enabled -> Bool,
        last_run_at -> Nullable<Timestamptz>,
        next_run_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    backups (id) {
        id -> Int8,
        kind -> Text,
        storage -> Text,
        schedule_id -> Nullable<Int8>,
        path -> Nullable<Text>,
        size_bytes -> Nullable<Int8>,
        sha256 -> Nullable<Text>,
        encrypted -> Bool,
        status -> Text,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        error -> Nullable<Text>,
        verified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    customer_sessions (id) {
        id -> Int8,
        customer_id -> Int8,
        family_id -> Uuid,
        refresh_token_hash -> Bytea,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        revoked_reason -> Nullable<Text>,
        replaced_by_id -> Nullable<Int8>,
    }
}

diesel::table! {
    customers (id) {
        id -> Int8,
        phone -> Text,
        name -> Text,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
        location_id -> Nullable<Int8>,
        status -> Text,
        balance -> Numeric,
        debt -> Numeric,
        notes -> Nullable<Text>,
        portal_password_hash -> Nullable<Text>,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    dead_jobs (id) {
        id -> Int8,
        job_id -> Uuid,
        family -> Text,
        kind -> Text,
        payload -> Jsonb,
        last_error -> Nullable<Text>,
        attempts -> Int4,
        failed_at -> Timestamptz,
        replayed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Bytea,
        status -> Text,
        response_status -> Nullable<Int4>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Int8,
        customer_id -> Int8,
        entry_type -> Text,
        amount -> Numeric,
        balance_before -> Numeric,
        balance_after -> Numeric,
        debt_before -> Numeric,
        debt_after -> Numeric,
        payment_id -> Nullable<Int8>,
        voucher_id -> Nullable<Int8>,
        subscription_id -> Nullable<Int8>,
        reference -> Nullable<Text>,
        actor_kind -> Text,
        actor_id -> Nullable<Int8>,
        note -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    locations (id) {
        id -> Int8,
        name -> Text,
        address -> Nullable<Text>,
        timezone -> Text,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Int8,
        realm -> Text,
        username -> Text,
        ip -> Nullable<Text>,
        succeeded -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        event -> Text,
        channel -> Text,
        customer_id -> Nullable<Int8>,
        payload -> Jsonb,
        status -> Text,
        dedupe_key -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        processed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Int8,
        job_id -> Uuid,
        family -> Text,
        kind -> Text,
        payload -> Jsonb,
        idempotency_key -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        available_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    payment_links (id) {
        id -> Int8,
        payment_id -> Int8,
        token -> Text,
        url -> Text,
        expires_at -> Timestamptz,
        status -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    payment_plugins (name) {
        name -> Text,
        display_name -> Text,
        kind -> Text,
        enabled -> Bool,
        config -> Jsonb,
        secrets_enc -> Nullable<Bytea>,
        fee_type -> Text,
        fee_value -> Numeric,
        fee_payer -> Text,
        sort_order -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    payments (id) {
        id -> Int8,
        customer_id -> Nullable<Int8>,
        plugin -> Text,
        merchant_ref -> Text,
        external_id -> Nullable<Text>,
        amount -> Numeric,
        fee -> Numeric,
        total -> Numeric,
        status -> Text,
        purpose -> Text,
        voucher_id -> Nullable<Int8>,
        subscription_id -> Nullable<Int8>,
        description -> Nullable<Text>,
        failure_reason -> Nullable<Text>,
        paid_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    plugin_error_logs (id) {
        id -> Int8,
        plugin -> Text,
        message -> Text,
        context -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    pppoe_users (id) {
        id -> Int8,
        customer_id -> Int8,
        router_id -> Int8,
        username -> Text,
        password_enc -> Bytea,
        profile_id -> Int8,
        remote_address -> Nullable<Text>,
        local_address -> Nullable<Text>,
        disabled -> Bool,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    processed_jobs (job_id) {
        job_id -> Uuid,
        kind -> Text,
        processed_at -> Timestamptz,
    }
}

diesel::table! {
    profile_locations (profile_id, location_id) {
        profile_id -> Int8,
        location_id -> Int8,
    }
}

diesel::table! {
    profiles (id) {
        id -> Int8,
        name -> Text,
        profile_type -> Text,
        router_profile -> Text,
        validity -> Text,
        validity_seconds -> Int8,
        rate_limit -> Nullable<Text>,
        shared_users -> Int4,
        price_cost -> Numeric,
        price_sell -> Numeric,
        active -> Bool,
        description -> Nullable<Text>,
        deleted_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    receipts (id) {
        id -> Int8,
        payment_id -> Int8,
        number -> Text,
        issued_at -> Timestamptz,
    }
}

diesel::table! {
    router_drift (id) {
        id -> Int8,
        router_id -> Int8,
        object_type -> Text,
        object_name -> Text,
        drift_kind -> Text,
        expected -> Nullable<Jsonb>,
        actual -> Nullable<Jsonb>,
        detected_at -> Timestamptz,
        resolved_at -> Nullable<Timestamptz>,
        resolution -> Nullable<Text>,
    }
}

diesel::table! {
    router_health_checks (id) {
        id -> Int8,
        router_id -> Int8,
        checked_at -> Timestamptz,
        online -> Bool,
        latency_ms -> Nullable<Int4>,
        cpu_load -> Nullable<Int4>,
        free_memory -> Nullable<Int8>,
        uptime_seconds -> Nullable<Int8>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    router_leases (router_id) {
        router_id -> Int8,
        holder -> Text,
        acquired_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    routers (id) {
        id -> Int8,
        location_id -> Int8,
        name -> Text,
        host -> Text,
        api_port -> Int4,
        use_tls -> Bool,
        tls_fingerprint -> Nullable<Text>,
        username -> Text,
        password_enc -> Bytea,
        timezone -> Nullable<Text>,
        enabled -> Bool,
        ros_version -> Nullable<Text>,
        status -> Text,
        last_seen_at -> Nullable<Timestamptz>,
        last_checked_at -> Nullable<Timestamptz>,
        latency_ms -> Nullable<Int4>,
        identity -> Nullable<Text>,
        version -> Nullable<Text>,
        uptime_seconds -> Nullable<Int8>,
        cpu_load -> Nullable<Int4>,
        free_memory -> Nullable<Int8>,
        total_memory -> Nullable<Int8>,
        board_name -> Nullable<Text>,
        last_error -> Nullable<Text>,
        sync_mode -> Text,
        last_synced_at -> Nullable<Timestamptz>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    scheduler_runs (id) {
        id -> Int8,
        task -> Text,
        slot -> Int8,
        holder -> Text,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        status -> Text,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    scheduler_tasks (name) {
        name -> Text,
        interval_seconds -> Int4,
        offset_seconds -> Int4,
        enabled -> Bool,
        description -> Nullable<Text>,
        last_slot -> Nullable<Int8>,
        last_started_at -> Nullable<Timestamptz>,
        last_finished_at -> Nullable<Timestamptz>,
        last_status -> Nullable<Text>,
        last_error -> Nullable<Text>,
        last_duration_ms -> Nullable<Int8>,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Jsonb,
        is_secret -> Bool,
        secret_enc -> Nullable<Bytea>,
        description -> Nullable<Text>,
        updated_at -> Timestamptz,
        updated_by -> Nullable<Int8>,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Int8,
        customer_id -> Int8,
        pppoe_user_id -> Nullable<Int8>,
        profile_id -> Int8,
        status -> Text,
        price -> Numeric,
        period_days -> Int4,
        current_period_start -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
        grace_until -> Nullable<Timestamptz>,
        auto_renew -> Bool,
        cancelled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    system_logs (id) {
        id -> Int8,
        level -> Text,
        source -> Text,
        message -> Text,
        context -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    vendors (id) {
        id -> Int8,
        name -> Text,
        phone -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        address -> Nullable<Text>,
        location_id -> Nullable<Int8>,
        discount_percent -> Numeric,
        balance -> Numeric,
        debt -> Numeric,
        active -> Bool,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    voucher_batches (id) {
        id -> Int8,
        prefix -> Text,
        quantity -> Int4,
        profile_id -> Int8,
        vendor_id -> Nullable<Int8>,
        location_id -> Nullable<Int8>,
        router_id -> Nullable<Int8>,
        price_cost -> Numeric,
        price_sell -> Numeric,
        code_length -> Int4,
        charset -> Text,
        created_by -> Nullable<Int8>,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    vouchers (id) {
        id -> Int8,
        batch_id -> Int8,
        code -> Text,
        password -> Text,
        profile_id -> Int8,
        location_id -> Nullable<Int8>,
        router_id -> Nullable<Int8>,
        status -> Text,
        price_sell -> Numeric,
        sold_at -> Nullable<Timestamptz>,
        sold_to_customer_id -> Nullable<Int8>,
        first_login_at -> Nullable<Timestamptz>,
        valid_until -> Nullable<Timestamptz>,
        expired_at -> Nullable<Timestamptz>,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_inbox (id) {
        id -> Int8,
        gateway -> Text,
        event_key -> Text,
        headers -> Jsonb,
        raw_body -> Bytea,
        signature_valid -> Bool,
        status -> Text,
        payment_id -> Nullable<Int8>,
        attempts -> Int4,
        error -> Nullable<Text>,
        received_at -> Timestamptz,
        processed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    whatsapp_messages (id) {
        id -> Int8,
        session_id -> Nullable<Int8>,
        customer_id -> Nullable<Int8>,
        phone -> Text,
        template_key -> Nullable<Text>,
        body -> Text,
        priority -> Text,
        priority_rank -> Nullable<Int2>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        provider_message_id -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
        read_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    whatsapp_sessions (id) {
        id -> Int8,
        name -> Text,
        provider -> Text,
        config -> Jsonb,
        token_enc -> Nullable<Bytea>,
        priority -> Int4,
        status -> Text,
        min_interval_ms -> Int4,
        last_sent_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        enabled -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    whatsapp_templates (id) {
        id -> Int8,
        key -> Text,
        language -> Text,
        body -> Text,
        description -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(admin_locations -> admin_users (admin_user_id));
diesel::joinable!(admin_locations -> locations (location_id));
diesel::joinable!(admin_sessions -> admin_users (admin_user_id));
diesel::joinable!(admin_users -> locations (location_id));
diesel::joinable!(backups -> backup_schedules (schedule_id));
diesel::joinable!(customer_sessions -> customers (customer_id));
diesel::joinable!(customers -> locations (location_id));
diesel::joinable!(ledger_entries -> customers (customer_id));
diesel::joinable!(ledger_entries -> payments (payment_id));
diesel::joinable!(ledger_entries -> subscriptions (subscription_id));
diesel::joinable!(ledger_entries -> vouchers (voucher_id));
diesel::joinable!(notifications -> customers (customer_id));
diesel::joinable!(payment_links -> payments (payment_id));
diesel::joinable!(payments -> admin_users (created_by));
diesel::joinable!(payments -> customers (customer_id));
diesel::joinable!(payments -> payment_plugins (plugin));
diesel::joinable!(payments -> subscriptions (subscription_id));
diesel::joinable!(payments -> vouchers (voucher_id));
diesel::joinable!(pppoe_users -> customers (customer_id));
diesel::joinable!(pppoe_users -> profiles (profile_id));
diesel::joinable!(pppoe_users -> routers (router_id));
diesel::joinable!(profile_locations -> locations (location_id));
diesel::joinable!(profile_locations -> profiles (profile_id));
diesel::joinable!(receipts -> payments (payment_id));
diesel::joinable!(router_drift -> routers (router_id));
diesel::joinable!(router_health_checks -> routers (router_id));
diesel::joinable!(router_leases -> routers (router_id));
diesel::joinable!(routers -> locations (location_id));
diesel::joinable!(scheduler_runs -> scheduler_tasks (task));
diesel::joinable!(settings -> admin_users (updated_by));
diesel::joinable!(subscriptions -> customers (customer_id));
diesel::joinable!(subscriptions -> pppoe_users (pppoe_user_id));
diesel::joinable!(subscriptions -> profiles (profile_id));
diesel::joinable!(vendors -> locations (location_id));
diesel::joinable!(voucher_batches -> admin_users (created_by));
diesel::joinable!(voucher_batches -> locations (location_id));
diesel::joinable!(voucher_batches -> profiles (profile_id));
diesel::joinable!(voucher_batches -> routers (router_id));
diesel::joinable!(voucher_batches -> vendors (vendor_id));
diesel::joinable!(vouchers -> customers (sold_to_customer_id));
diesel::joinable!(vouchers -> locations (location_id));
diesel::joinable!(vouchers -> profiles (profile_id));
diesel::joinable!(vouchers -> routers (router_id));
diesel::joinable!(vouchers -> voucher_batches (batch_id));
diesel::joinable!(webhook_inbox -> payments (payment_id));
diesel::joinable!(whatsapp_messages -> customers (customer_id));
diesel::joinable!(whatsapp_messages -> whatsapp_sessions (session_id));

diesel::allow_tables_to_appear_in_same_query!(
    admin_locations,
    admin_sessions,
    admin_users,
    audit_log,
    backup_schedules,
    backups,
    customer_sessions,
    customers,
    dead_jobs,
    idempotency_keys,
    ledger_entries,
    locations,
    login_attempts,
    notifications,
    outbox,
    payment_links,
    payment_plugins,
    payments,
    plugin_error_logs,
    pppoe_users,
    processed_jobs,
    profile_locations,
    profiles,
    receipts,
    router_drift,
    router_health_checks,
    router_leases,
    routers,
    scheduler_runs,
    scheduler_tasks,
    settings,
    subscriptions,
    system_logs,
    vendors,
    voucher_batches,
    vouchers,
    webhook_inbox,
    whatsapp_messages,
    whatsapp_sessions,
    whatsapp_templates,
);
