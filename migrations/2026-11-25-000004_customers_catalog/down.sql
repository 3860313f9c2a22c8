DROP TABLE IF EXISTS vendors;
DROP TABLE IF EXISTS profile_locations;
DROP TABLE IF EXISTS profiles;
DROP TABLE IF EXISTS customer_sessions;
DROP TABLE IF EXISTS customers;
