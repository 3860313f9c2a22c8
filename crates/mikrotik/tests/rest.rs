//! The REST transport against the simulator's REST service, through the shared `RouterApi`.

#![expect(
    clippy::expect_used,
    reason = "a failed expectation is the test failure"
)]

use mikrotik::menus::{Attrs, HotspotUserSpec};
use mikrotik::rest::{RestClient, RestOptions};
use mikrotik::sim::{SimConfig, SimHandle, Simulator};
use mikrotik::{Client, Command, Error, Query, RouterApi};

async fn sim() -> SimHandle {
    Simulator::start(SimConfig::new("r7", "admin", "pw").with_rest())
        .await
        .expect("simulator")
}

/// Sync code written once against `RouterApi` runs over either transport.
async fn provision<A: RouterApi>(api: &A, name: &str) -> mikrotik::Result<String> {
    let id = api
        .hotspot_users()
        .add(&HotspotUserSpec {
            name: name.into(),
            password: Some(name.into()),
            comment: Some("VOUCHER_SYSTEM|5000.00|0|0".into()),
            ..Default::default()
        })
        .await?;
    api.hotspot_users()
        .set(
            &id,
            &Attrs::new().set("comment", "VOUCHER_SYSTEM|5000.00|1|2"),
        )
        .await?;
    Ok(id)
}

#[tokio::test]
async fn rest_over_pinned_https_reads_and_writes_the_same_state() {
    let s = sim().await;
    let rest = RestClient::new(s.rest_options().expect("rest enabled"));
    assert_eq!(rest.system_identity().await.expect("identity"), "r7");
    let id = provision(&rest, "viaRest")
        .await
        .expect("provision over REST");
    // The binary API sees what REST wrote, and the other way round.
    let api = Client::connect(s.connect_options()).await.expect("api");
    provision(&api, "viaApi").await.expect("provision over API");
    let u = api
        .hotspot_users()
        .find("viaRest")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(
        (u.id.as_str(), u.comment.as_deref()),
        (id.as_str(), Some("VOUCHER_SYSTEM|5000.00|1|2"))
    );
    let found = rest
        .hotspot_users()
        .print_where([
            Query::eq("name", "viaApi"),
            Query::eq("name", "viaRest"),
            Query::or(),
        ])
        .await
        .expect("query over REST");
    assert_eq!(found.len(), 2);
    rest.hotspot_users().remove(&id).await.expect("remove");
    assert!(
        api.hotspot_users()
            .find("viaRest")
            .await
            .expect("find")
            .is_none()
    );
}

#[tokio::test]
async fn rest_traps_and_bad_credentials_are_typed_errors() {
    let s = sim().await;
    let rest = RestClient::new(s.rest_options().expect("rest enabled"));
    provision(&rest, "dup").await.expect("first");
    let err = provision(&rest, "dup").await.expect_err("duplicate");
    assert!(
        err.trap_message()
            .is_some_and(|m| m.contains("already have user")),
        "{err:?}"
    );
    let err = rest
        .execute(&Command::new("/nowhere/print"))
        .await
        .expect_err("unknown path");
    assert!(matches!(err, Error::Trap { .. }), "{err:?}");

    let mut wrong = s.rest_options().expect("rest enabled");
    wrong.password = "nope".into();
    let err = RestClient::new(wrong)
        .system_identity()
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert!(!err.to_string().contains("nope"));
}

#[tokio::test]
async fn plain_http_rest_works_for_labs() {
    let s = sim().await;
    let addr = s.rest_addr().expect("rest enabled");
    let rest =
        RestClient::new(RestOptions::http(addr.ip().to_string(), "admin", "pw").port(addr.port()));
    assert!(
        rest.ppp_active()
            .print()
            .await
            .expect("empty print")
            .is_empty()
    );
    assert_eq!(
        rest.system_resource()
            .await
            .expect("resource")
            .board_name
            .as_deref(),
        Some("CHR")
    );
}
