//! Route registration: every resource module exposes `routes(cfg)`, registered here only
//! through utoipa-actix-web so each route lands in the OpenAPI document.

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub mod admin_users;
pub mod audit_log;
pub mod auth;
pub mod customers;
pub mod health;
pub mod jobs;
pub mod locations;
pub mod portal;
pub mod profiles;
pub mod routers;
pub mod sessions;
pub mod settings;
pub mod transactions;
pub mod two_factor;

/// Everything the server answers, ops routes and `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(health::routes);
    cfg.service(scope::scope("/api/v1").configure(v1));
}

fn v1(cfg: &mut ServiceConfig) {
    cfg.configure(auth::routes);
    cfg.configure(customers::routes);
    cfg.configure(transactions::routes);
    cfg.configure(portal::routes);
    cfg.configure(jobs::routes);
    cfg.configure(locations::routes);
    cfg.configure(routers::routes);
    cfg.configure(sessions::routes);
    cfg.configure(profiles::routes);
    cfg.configure(two_factor::routes);
    cfg.configure(admin_users::routes);
    cfg.configure(audit_log::routes);
    cfg.configure(settings::routes);
}
