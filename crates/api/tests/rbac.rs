//! The RBAC matrix over EVERY operation of the generated OpenAPI document (so routes added
//! later are covered without touching this file): each operation's `security` scopes name
//! permissions of `auth::permissions`; for each role the server must answer 403
//! problem+json exactly when the matrix denies. Operations without security must be on the
//! public allow-list below.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a test failure"
)]

mod common;

use api::auth::Permission;
use common::{PASSWORD, TestApp};
use domain::status::AdminRole;
use reqwest::Method;
use serde_json::{Value, json};

/// Operations anyone may call without a token.
const PUBLIC: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/portal/auth/login"),
    ("post", "/api/v1/portal/auth/refresh"),
    ("post", "/api/v1/webhooks/payments/{plugin}"),
    ("post", "/api/v1/webhooks/payments/{gateway}"),
];

/// Path parameters that exist nowhere, so allowed calls touch nothing.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        let name = &rest[start + 1..end - 1];
        out.push_str(if name == "id" || name.ends_with("_id") {
            "999999"
        } else {
            "nonexistent"
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

struct Op {
    method: String,
    path: String,
    /// Alternatives: the role needs any one of these.
    permissions: Vec<Permission>,
    portal: bool,
}

fn operations() -> Vec<Op> {
    let doc: Value = serde_json::from_str(&api::openapi::document_json()).unwrap();
    let mut ops = Vec::new();
    let mut problems = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !ids.insert(op["operationId"].as_str().unwrap_or_default().to_owned()) {
                problems.push(format!(
                    "{method} {path}: duplicate operationId {}",
                    op["operationId"]
                ));
            }
            let reqs = op["security"].as_array().cloned().unwrap_or_default();
            if reqs.is_empty() {
                if !PUBLIC.contains(&(method.as_str(), path.as_str())) {
                    problems.push(format!(
                        "{method} {path} has no security requirement and is not public"
                    ));
                }
                continue;
            }
            let mut permissions = Vec::new();
            let mut portal = false;
            for req in &reqs {
                for (scheme, scopes) in req.as_object().unwrap() {
                    if scheme == "portal_bearer" {
                        portal = true;
                        continue;
                    }
                    let scopes = scopes.as_array().unwrap();
                    if scopes.is_empty() {
                        problems.push(format!("{method} {path} names no permission scope"));
                    }
                    for s in scopes {
                        match Permission::from_scope(s.as_str().unwrap()) {
                            Some(p) => permissions.push(p),
                            None => {
                                problems.push(format!("{method} {path}: unknown permission {s}"))
                            }
                        }
                    }
                }
            }
            ops.push(Op {
                method: method.to_uppercase(),
                path: path.clone(),
                permissions,
                portal,
            });
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    ops
}

#[tokio::test]
async fn every_operation_allows_exactly_the_roles_the_matrix_allows() {
    let app = TestApp::spawn().await;
    let roles = [AdminRole::SuperAdmin, AdminRole::Admin, AdminRole::Operator];
    for role in roles {
        app.create_admin(&format!("rbac_{role}"), role.as_str(), PASSWORD);
    }
    let mut failures = Vec::new();
    let ops = operations();
    assert!(ops.len() > 10, "suspiciously few operations: {}", ops.len());
    for op in &ops {
        for role in roles {
            // a fresh session per call: logout or session revocation must not taint the next
            let login: Value = app
                .login(&format!("rbac_{role}"), PASSWORD)
                .await
                .json()
                .await
                .unwrap();
            let token = login["access_token"].as_str().unwrap();
            let method = Method::from_bytes(op.method.as_bytes()).unwrap();
            let body = matches!(op.method.as_str(), "POST" | "PUT" | "PATCH").then(|| json!({}));
            let res = app
                .request(
                    method,
                    &concrete(&op.path).replacen("/api/v1", "", 1),
                    Some(token),
                    body.as_ref(),
                )
                .await;
            let status = res.status().as_u16();
            let ct = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let name = format!("{} {} as {role}", op.method, op.path);
            if op.portal {
                if status != 401 {
                    failures.push(format!(
                        "{name}: portal route answered {status} to an admin token"
                    ));
                }
                continue;
            }
            let allowed = op.permissions.iter().any(|p| p.allows(role));
            if allowed && status == 403 {
                failures.push(format!(
                    "{name}: 403 although the matrix allows {:?}",
                    op.permissions
                ));
            }
            if !allowed && (status != 403 || ct != "application/problem+json") {
                failures.push(format!(
                    "{name}: expected 403 problem+json, got {status} {ct}"
                ));
            }
            if status >= 500 {
                failures.push(format!("{name}: server error {status}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} RBAC failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn public_operations_are_only_the_allow_listed_ones() {
    // operations() itself fails on an unlisted public operation or an unknown scope
    let ops = operations();
    assert!(ops.iter().all(|o| o.portal || !o.permissions.is_empty()));
}
