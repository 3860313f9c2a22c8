DROP TABLE IF EXISTS router_leases;
DROP TABLE IF EXISTS router_drift;
DROP TABLE IF EXISTS router_health_checks;
DROP TABLE IF EXISTS routers;
