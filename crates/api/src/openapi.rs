//! The OpenAPI document: its static head (info, security, shared problem responses) merged
//! with the paths that utoipa-actix-web collects from the registered routes, so the route
//! table and the document cannot drift.

use crate::error::{FieldError, Problem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mikrobill API",
        description = "Billing and automation for ISPs and hotspot operators running MikroTik routers. \
Errors are RFC 9457 `application/problem+json`. Money is a decimal string with two places. \
Authenticate with `POST /api/v1/auth/login` and send `Authorization: Bearer <access_token>`.",
        license(name = "AGPL-3.0-only")
    ),
    modifiers(&SecurityAddon),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "ops", description = "Health, readiness and metrics"),
        (name = "settings", description = "Typed runtime settings; secrets are write-only"),
        (name = "audit", description = "The audit trail of every change"),
        (name = "admins", description = "Admin users and their roles (super_admin only)"),
        (name = "customers", description = "Customers: profiles, search, soft delete and the money summary"),
        (name = "ledger", description = "Balance and debt changes of a customer and the ledger with running balance"),
        (name = "portal", description = "Customer self-service: login, own profile, ledger, services and payments"),
        (name = "auth", description = "Admin login, token refresh, sessions and two-factor authentication"),
        (name = "jobs", description = "Background jobs: dead jobs and their replay, scheduler tasks and their last run"),
        (name = "locations", description = "Sites of the network; routers, customers and profiles belong to them"),
        (name = "routers", description = "MikroTik routers: credentials (encrypted), connection test, health, drift and live sessions"),
        (name = "profiles", description = "Plans sold as hotspot vouchers or PPPoE subscriptions, kept in step with the routers"),
    )
)]
pub struct ApiDoc;

/// Bearer JWT for admins, and a separate one for the customer portal.
struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Admin access token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "portal_bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Customer access token from POST /api/v1/portal/auth/login",
                    ))
                    .build(),
            ),
        );
    }
}

/// The problem responses every authenticated operation can return; list it in each
/// `#[utoipa::path(responses(...))]` so clients know the error shape everywhere.
#[derive(IntoResponses)]
pub enum ProblemResponses {
    #[response(
        status = 400,
        description = "Malformed request (JSON syntax, query or path parameter)",
        content_type = "application/problem+json"
    )]
    BadRequest(#[to_schema] Problem),
    #[response(
        status = 401,
        description = "Missing, invalid, expired or revoked token",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "The caller's role lacks the permission",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 422,
        description = "Validation failed; `errors[]` names each field",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 500,
        description = "Unexpected error (logged, never detailed)",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
    #[response(
        status = 503,
        description = "Database or broker temporarily unavailable; see Retry-After",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// The full document as served and as checked in at `openapi/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, doc) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    let mut doc = doc;
    unique_operation_ids(&mut doc);
    doc
}

/// utoipa names an operation after its handler function, so every module's `list` or
/// `create` collides, and generated clients keep only one of them. Prefix the first tag
/// (`admins_list`), and fall back to method + path when that is still taken.
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut seen = std::collections::HashSet::new();
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
            ("head", &mut item.head),
            ("options", &mut item.options),
            ("trace", &mut item.trace),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let base = op.operation_id.clone().unwrap_or_default();
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_default();
            let mut id = if tag.is_empty() {
                base
            } else {
                format!("{tag}_{base}")
            };
            if id.is_empty() || seen.contains(&id) {
                let slug: String = path
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                id = format!("{method}{}", slug.trim_end_matches('_'));
            }
            seen.insert(id.clone());
            op.operation_id = Some(id);
        }
    }
}

/// Pretty JSON with a trailing newline, the exact bytes of `openapi/openapi.json`.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
