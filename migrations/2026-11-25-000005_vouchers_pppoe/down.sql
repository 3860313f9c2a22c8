DROP TABLE IF EXISTS subscriptions;
DROP TABLE IF EXISTS pppoe_users;
DROP TABLE IF EXISTS vouchers;
DROP TABLE IF EXISTS voucher_batches;
