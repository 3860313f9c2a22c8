//! The checked-in OpenAPI document must be exactly what the code generates, so frontends and
//! generated clients never work from a stale contract.

#[test]
fn checked_in_openapi_document_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    let generated = api::openapi::document_json();
    assert!(
        on_disk == generated,
        "openapi/openapi.json is stale: run `cargo run -q -- openapi --output openapi/openapi.json` and commit it"
    );
}

#[test]
fn every_operation_documents_problem_responses_and_a_summary() {
    let doc: serde_json::Value =
        serde_json::from_str(&api::openapi::document_json()).unwrap_or_default();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(!paths.is_empty(), "the document has no paths");
    let mut missing = Vec::new();
    for (path, item) in &paths {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(op) = op.as_object() else { continue };
            if op
                .get("summary")
                .and_then(|s| s.as_str())
                .unwrap_or("")
                .is_empty()
            {
                missing.push(format!("{method} {path}: no summary"));
            }
            if op
                .get("tags")
                .and_then(|t| t.as_array())
                .is_none_or(|t| t.is_empty())
            {
                missing.push(format!("{method} {path}: no tag"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations lacking documentation:\n{}",
        missing.join("\n")
    );
}
