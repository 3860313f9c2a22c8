//! Several routers at once and the HTTP control API the CLI exposes.

#![expect(
    clippy::expect_used,
    reason = "a failed expectation is the test failure"
)]

use std::net::SocketAddr;
use std::sync::Arc;

use mikrotik::Client;
use mikrotik::sim::SimConfig;
use mikrotik::sim::control::{Fleet, FleetFile, serve_control};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).await.expect("read");
    let status = out[9..12].parse().expect("status");
    let json = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    (status, serde_json::from_str(json).expect("json body"))
}

async fn fleet() -> (Arc<Fleet>, SocketAddr) {
    let file = FleetFile::parse(
        r#"
        [[router]]
        name = "north"
        user = "admin"
        password = "pw-north"

        [[router]]
        name = "south"
        user = "ops"
        password = "pw-south"
        ros_version = "6.49"
        "#,
    )
    .expect("valid TOML");
    let fleet = Arc::new(Fleet::start(file.routers).await.expect("fleet"));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = l.local_addr().expect("addr");
    tokio::spawn(serve_control(l, fleet.clone()));
    (fleet, addr)
}

#[tokio::test]
async fn routers_have_their_own_ports_and_credentials() {
    let (fleet, ctl) = fleet().await;
    let (status, list) = http(ctl, "GET", "/routers", None).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let north = fleet.get("north").expect("north");
    let south = fleet.get("south").expect("south");
    assert_ne!(north.addr(), south.addr());
    let c = Client::connect(south.connect_options())
        .await
        .expect("south login");
    assert_eq!(c.system_identity().await.expect("identity"), "south");
    let wrong = north.connect_options().port(south.addr().port());
    assert!(
        Client::connect(wrong).await.is_err(),
        "north's credentials must not open south"
    );
}

#[tokio::test]
async fn duplicate_router_names_are_refused() {
    let dup = vec![SimConfig::new("a", "u", "p"), SimConfig::new("a", "u", "p")];
    assert!(Fleet::start(dup).await.is_err());
}

#[tokio::test]
async fn control_api_drives_sessions_drift_and_reachability() {
    let (fleet, ctl) = fleet().await;
    let north = fleet.get("north").expect("north");
    let (s, _) = http(ctl, "POST", "/routers/north/exec",
        Some(json!({"words": ["/ip/hotspot/user/add", "=name=v1", "=password=v1", "=comment=VOUCHER_SYSTEM|1|0|0"]}))).await;
    assert_eq!(s, 200);
    let (s, body) = http(
        ctl,
        "POST",
        "/routers/north/hotspot/login",
        Some(json!({"user": "v1", "password": "v1"})),
    )
    .await;
    assert_eq!((s, body["id"].as_str()), (200, Some("*1")));
    let (s, body) = http(
        ctl,
        "POST",
        "/routers/north/hotspot/login",
        Some(json!({"user": "v1"})),
    )
    .await;
    assert_eq!(s, 409, "{body}");
    let (_, active) = http(ctl, "GET", "/routers/north/menu/ip/hotspot/active", None).await;
    assert_eq!(active[0]["user"], "v1");
    let (s, _) = http(
        ctl,
        "POST",
        "/routers/north/advance",
        Some(json!({"secs": 90})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, active) = http(ctl, "GET", "/routers/north/menu/ip/hotspot/active", None).await;
    assert_eq!(active[0]["uptime"], "1m30s");

    let (s, body) = http(
        ctl,
        "POST",
        "/routers/north/exec",
        Some(json!({"words": ["/ip/hotspot/user/add", "=name=v1"]})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(body["replies"][0]["kind"], "trap", "{body}");

    let (s, _) = http(ctl, "POST", "/routers/nowhere/drop", None).await;
    assert_eq!(s, 404);
    let (s, _) = http(
        ctl,
        "POST",
        "/routers/north/ppp/connect",
        Some(json!({"name": "ghost"})),
    )
    .await;
    assert_eq!(s, 409);

    let (s, _) = http(ctl, "POST", "/routers/north/offline", None).await;
    assert_eq!(s, 200);
    assert!(!north.is_online());
    let (s, _) = http(ctl, "POST", "/routers/north/online", None).await;
    assert_eq!(s, 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while Client::connect(north.connect_options()).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "router did not come back"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
