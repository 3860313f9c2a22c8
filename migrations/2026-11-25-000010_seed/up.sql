-- Default settings, payment plugins, the Indonesian WhatsApp templates and scheduler tasks.
-- No admin user: the first one comes from `mikrobill admin create`.

INSERT INTO settings (key, value, description) VALUES
    ('company_name', '"MikroBill Net"', 'Company name shown on receipts, vouchers and messages'),
    ('company_address', '"Jl. Merdeka No. 1, Jakarta"', 'Company address shown on receipts'),
    ('company_phone', '"6281234567890"', 'Support phone number shown to customers'),
    ('timezone', '"Asia/Jakarta"', 'Business timezone for reports, schedules and printed dates'),
    ('currency', '"IDR"', 'Currency of all amounts'),
    ('voucher_marker', '"VOUCHER_SYSTEM"', 'Comment marker of router objects managed for vouchers'),
    ('pppoe_marker', '"PPPOE_SYSTEM"', 'Comment marker of router objects managed for PPPoE'),
    ('grace_period_days', '3', 'Days a PPPoE subscription stays usable after expiry'),
    ('expiry_warning_days', '3', 'Days before expiry the warning message is sent'),
    ('print_layout', '"a4_grid"', 'Default voucher print layout: a4_grid, thermal_58 or thermal_80'),
    ('voucher_charset', '"ABCDEFGHJKLMNPQRSTUVWXYZ23456789"', 'Characters of generated voucher codes (no 0/O, 1/I)'),
    ('voucher_code_length', '8', 'Length of the random part of generated voucher codes'),
    ('voucher_shelf_life_days', '90', 'Unused vouchers older than this are cleaned up'),
    ('drift_mode', '"report"', 'Default router drift handling: report or repair');

INSERT INTO payment_plugins (name, display_name, kind, enabled, config, sort_order) VALUES
    ('cash', 'Tunai', 'manual', true, '{"allow_debt": true}', 10),
    ('bank_transfer', 'Transfer Bank', 'manual', true, '{"accounts": []}', 20),
    ('duitku', 'DuitKu', 'gateway', false, '{"sandbox": true}', 30),
    ('midtrans', 'Midtrans', 'gateway', false, '{"sandbox": true}', 40),
    ('xendit', 'Xendit', 'gateway', false, '{"sandbox": true}', 50),
    ('tripay', 'Tripay', 'gateway', false, '{"sandbox": true}', 60);

INSERT INTO whatsapp_templates (key, language, body, description) VALUES
    ('welcome_hotspot', 'id',
     'Halo {name}, terima kasih telah membeli voucher hotspot {company}. Kode voucher: {code}, paket {profile}, masa aktif {validity}. Selamat berselancar!',
     'Sent when a customer buys a hotspot voucher'),
    ('welcome_pppoe', 'id',
     'Halo {name}, selamat datang di layanan internet {company}. Akun PPPoE Anda: {username}, paket {profile}, aktif sampai {expires_at}. Butuh bantuan? Hubungi {company_phone}.',
     'Sent when a PPPoE subscription is created'),
    ('payment_confirmation', 'id',
     'Halo {name}, pembayaran sebesar {amount} melalui {method} telah kami terima pada {paid_at}. Nomor kuitansi: {receipt_number}. Terima kasih.',
     'Sent when a payment is completed'),
    ('expiry_warning', 'id',
     'Halo {name}, layanan {service} Anda akan berakhir pada {expires_at} ({days_left} hari lagi). Silakan lakukan pembayaran sebesar {amount} agar layanan tetap aktif.',
     'Sent some days before a subscription expires'),
    ('service_expired', 'id',
     'Halo {name}, layanan {service} Anda telah berakhir pada {expires_at}. Silakan lakukan pembayaran sebesar {amount} untuk mengaktifkan kembali layanan Anda.',
     'Sent when a subscription expires'),
    ('service_renewed', 'id',
     'Halo {name}, layanan {service} Anda telah diperpanjang sampai {expires_at}. Terima kasih telah berlangganan {company}.',
     'Sent when a subscription is renewed');

INSERT INTO scheduler_tasks (name, interval_seconds, offset_seconds, description) VALUES
    ('router_poll', 300, 0, 'Poll router health and active sessions; detect first voucher logins'),
    ('router_sync', 300, 0, 'Bring routers to the database state and record drift'),
    ('expiry_sweep', 60, 0, 'Expire vouchers and subscriptions whose time is up'),
    ('expiry_warning', 86400, 7200, 'Send expiry warnings (daily at 09:00 Asia/Jakarta)'),
    ('voucher_cleanup', 3600, 0, 'Remove unused vouchers past their shelf life'),
    ('outbox_relay', 5, 0, 'Publish outbox rows that the fast path missed'),
    ('housekeeping', 3600, 0, 'Delete expired sessions, idempotency keys, old logs and processed jobs'),
    ('backup', 3600, 0, 'Run due backup schedules and apply retention');
