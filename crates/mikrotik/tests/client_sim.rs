//! The client against the simulator over real loopback TCP.

#![expect(
    clippy::expect_used,
    reason = "a failed expectation is the test failure"
)]

use std::time::Duration;

use mikrotik::menus::{Attrs, HotspotUserSpec, PppSecretSpec};
use mikrotik::sim::{
    HOTSPOT_ACTIVE, HOTSPOT_USER, PPP_ACTIVE, SimConfig, SimError, SimHandle, Simulator,
};
use mikrotik::{Client, Command, Error, LoginMethod, Query, Stage};

async fn sim(version: &str) -> SimHandle {
    Simulator::start(SimConfig::new("r1", "admin", "s3cret").version(version))
        .await
        .expect("simulator starts")
}

async fn client(s: &SimHandle) -> Client {
    Client::connect(s.connect_options())
        .await
        .expect("login works")
}

fn user(name: &str) -> HotspotUserSpec {
    HotspotUserSpec {
        name: name.into(),
        password: Some(name.into()),
        profile: Some("default".into()),
        comment: Some("VOUCHER_SYSTEM|5000.00|0|0".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn plain_login_then_identity_and_resource() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    assert_eq!(c.system_identity().await.expect("identity"), "r1");
    let res = c.system_resource().await.expect("resource");
    assert!(res.version.starts_with("7.18"), "{res:?}");
    assert_eq!(s.connections(), 1);
}

#[tokio::test]
async fn wrong_password_is_an_auth_error_on_both_versions() {
    for v in ["7.18", "6.49", "6.40"] {
        let s = sim(v).await;
        let mut o = s.connect_options();
        o.password = "wrong".into();
        let err = Client::connect(o).await.expect_err("must be refused");
        assert!(matches!(err, Error::Auth(_)), "{v}: {err:?}");
        assert!(!err.to_string().contains("wrong"), "password leaked: {err}");
    }
}

#[tokio::test]
async fn legacy_md5_challenge_login_works_and_auto_detects_old_routers() {
    let old = sim("6.40").await;
    let auto = Client::connect(old.connect_options())
        .await
        .expect("auto falls back to MD5");
    assert_eq!(auto.system_identity().await.expect("identity"), "r1");
    let plain = Client::connect(old.connect_options().login_method(LoginMethod::Plain)).await;
    assert!(matches!(plain, Err(Error::Auth(_))), "{plain:?}");

    let v6 = sim("6.49").await;
    let ch = Client::connect(v6.connect_options().login_method(LoginMethod::Challenge))
        .await
        .expect("6.49 still accepts the challenge");
    assert_eq!(ch.system_identity().await.expect("identity"), "r1");

    let v7 = sim("7.18").await;
    let refused = Client::connect(v7.connect_options().login_method(LoginMethod::Challenge)).await;
    assert!(refused.is_err(), "RouterOS 7 has no MD5 login");
}

#[tokio::test]
async fn concurrent_tagged_commands_return_to_the_right_caller() {
    let s = sim("7.18").await;
    // Latency makes replies of many commands overlap on the wire.
    s.set_latency(Duration::from_millis(20));
    let c = client(&s).await;
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move {
                let name = format!("u{i}");
                let id = c.hotspot_users().add(&user(&name)).await?;
                let found = c.hotspot_users().find(&name).await?;
                Ok::<_, Error>((name, id, found))
            })
        })
        .collect();
    for t in tasks {
        let (name, id, found) = t.await.expect("task").expect("commands succeed");
        let found = found.expect("user exists");
        assert_eq!(found.name, name);
        assert_eq!(found.id, id);
    }
    assert_eq!(c.hotspot_users().print().await.expect("print").len(), 64);
}

#[tokio::test]
async fn pipelined_batch_answers_in_order() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    let cmds: Vec<Command> = (0..200)
        .map(|i| Command::new("/ip/hotspot/user/add").attr("name", format!("p{i}")))
        .collect();
    let res = c.execute_many(&cmds).await;
    assert!(res.iter().all(Result::is_ok));
    let ids: Vec<String> = res
        .iter()
        .filter_map(|r| r.as_ref().ok()?.ret().map(str::to_owned))
        .collect();
    assert_eq!(ids.len(), 200);
    let rows = s.print(HOTSPOT_USER);
    assert_eq!(rows.len(), 200);
}

#[tokio::test]
async fn slow_router_times_out_and_the_connection_stays_usable() {
    let s = sim("7.18").await;
    let c = Client::connect(
        s.connect_options()
            .command_timeout(Duration::from_millis(200)),
    )
    .await
    .expect("login");
    s.set_latency(Duration::from_millis(600));
    let err = c.system_identity().await.expect_err("must time out");
    assert!(matches!(err, Error::Timeout(Stage::Command)), "{err:?}");
    s.set_latency(Duration::ZERO);
    // The late reply of the timed-out command must not be handed to the next caller.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(c.system_identity().await.expect("works again"), "r1");
}

#[tokio::test]
async fn router_that_never_answers_login_times_out() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    let hold = tokio::spawn(async move {
        let (sock, _) = l.accept().await.expect("accept");
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(sock);
    });
    let o = mikrotik::ConnectOptions::new("127.0.0.1", "admin", "x")
        .port(port)
        .timeouts(
            Duration::from_secs(1),
            Duration::from_millis(300),
            Duration::from_secs(1),
        );
    let started = std::time::Instant::now();
    let err = Client::connect(o).await.expect_err("must time out");
    assert!(matches!(err, Error::Timeout(Stage::Login)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    hold.abort();
}

#[tokio::test]
async fn dropped_connection_is_reported_and_a_new_connect_works() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    s.drop_connections();
    let err = c.system_identity().await.expect_err("connection is gone");
    assert!(matches!(err, Error::ConnectionLost), "{err:?}");
    assert!(c.is_closed());
    let c2 = client(&s).await;
    assert_eq!(c2.system_identity().await.expect("identity"), "r1");
}

#[tokio::test]
async fn offline_router_refuses_and_comes_back() {
    let s = sim("7.18").await;
    s.set_online(false);
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while Client::connect(s.connect_options()).await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "router never went offline"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    s.set_online(true);
    let c = loop {
        match Client::connect(s.connect_options()).await {
            Ok(c) => break c,
            Err(e) => assert!(
                std::time::Instant::now() < deadline,
                "never back online: {e}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(c.system_identity().await.expect("identity"), "r1");
}

#[tokio::test]
async fn traps_surface_as_typed_errors() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    c.hotspot_users()
        .add(&user("dup"))
        .await
        .expect("first add");
    let err = c
        .hotspot_users()
        .add(&user("dup"))
        .await
        .expect_err("duplicate");
    assert!(
        err.trap_message()
            .is_some_and(|m| m.contains("already have user")),
        "{err:?}"
    );

    let mut bad = user("x");
    bad.profile = Some("nope".into());
    let err = c
        .hotspot_users()
        .add(&bad)
        .await
        .expect_err("unknown profile");
    assert!(
        err.trap_message().is_some_and(|m| m.contains("profile")),
        "{err:?}"
    );

    let err = c
        .hotspot_users()
        .remove("*FFFF")
        .await
        .expect_err("unknown id");
    assert!(
        matches!(&err, Error::Trap { message, .. } if message == "no such item"),
        "{err:?}"
    );

    let err = c
        .command("/ip/nothing/print")
        .send()
        .await
        .expect_err("unknown menu");
    assert!(
        matches!(
            err,
            Error::Trap {
                category: Some(0),
                ..
            }
        ),
        "{err:?}"
    );
    // A trap does not poison the connection.
    assert_eq!(c.system_identity().await.expect("identity"), "r1");
}

#[tokio::test]
async fn empty_print_is_understood_on_both_versions() {
    for (v, empty) in [("7.18", true), ("7.17", false), ("6.49", false)] {
        let s = sim(v).await;
        let c = client(&s).await;
        let r = c
            .command("/ip/hotspot/user/print")
            .where_eq("name", "none")
            .send()
            .await
            .expect("print");
        assert!(r.rows.is_empty());
        assert_eq!(r.empty, empty, "{v}");
        assert!(
            c.hotspot_users()
                .print()
                .await
                .expect("typed print")
                .is_empty()
        );
        assert!(
            c.ppp_active()
                .print()
                .await
                .expect("typed print")
                .is_empty()
        );
    }
}

#[tokio::test]
async fn proplist_and_stack_queries_filter_rows() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    for n in ["a", "b", "c"] {
        c.hotspot_users().add(&user(n)).await.expect("add");
    }
    c.hotspot_users()
        .set("b", &Attrs::new().set("comment", "manual"))
        .await
        .expect("set by name");
    let r = c
        .command("/ip/hotspot/user/print")
        .proplist(["name"])
        .query(Query::eq("name", "a"))
        .query(Query::eq("name", "c"))
        .query(Query::or())
        .send()
        .await
        .expect("print");
    let names: Vec<_> = r
        .rows
        .iter()
        .map(|r| r.get("name").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert!(
        r.rows.iter().all(|r| r.0.len() == 1),
        "proplist honoured: {r:?}"
    );
    let marked = c
        .hotspot_users()
        .print_where([Query::eq("comment", "manual"), Query::not()])
        .await
        .expect("print");
    assert_eq!(marked.len(), 2);
}

#[tokio::test]
async fn disabling_a_secret_does_not_drop_its_session() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    let spec = PppSecretSpec {
        name: "cust1".into(),
        password: Some("pw".into()),
        service: Some("pppoe".into()),
        comment: Some("PPPOE_SYSTEM|42".into()),
        ..Default::default()
    };
    let id = c.ppp_secrets().add(&spec).await.expect("add");
    s.ppp_connect("cust1", Some("pw")).expect("dial in");
    c.ppp_secrets().disable(&id).await.expect("disable");
    assert!(
        c.ppp_secrets()
            .find("cust1")
            .await
            .expect("find")
            .is_some_and(|s| s.disabled)
    );
    let active = c.ppp_active().print().await.expect("active");
    assert_eq!(active.len(), 1, "session survives disabling");
    c.ppp_active().remove(&active[0].id).await.expect("kick");
    assert!(s.print(PPP_ACTIVE).is_empty());
    assert_eq!(s.ppp_connect("cust1", Some("pw")), Err(SimError::Disabled));

    // Same rule for hotspot users.
    let uid = c.hotspot_users().add(&user("h1")).await.expect("add");
    s.hotspot_login("h1", Some("h1")).expect("login");
    c.hotspot_users().disable(&uid).await.expect("disable");
    assert_eq!(c.hotspot_active().print().await.expect("active").len(), 1);
}

#[tokio::test]
async fn limit_uptime_ends_a_hotspot_session() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    let mut spec = user("v1");
    spec.limit_uptime = Some(Duration::from_secs(3600));
    c.hotspot_users().add(&spec).await.expect("add");
    s.hotspot_login("v1", Some("v1")).expect("login");
    s.advance(Duration::from_secs(59 * 60));
    let active = c.hotspot_active().print().await.expect("active");
    assert_eq!(active.len(), 1);
    assert!(active[0].uptime >= Duration::from_secs(59 * 60));
    s.advance(Duration::from_secs(120));
    assert!(c.hotspot_active().print().await.expect("active").is_empty());
    let u = c
        .hotspot_users()
        .find("v1")
        .await
        .expect("find")
        .expect("user stays");
    assert_eq!(u.uptime, Duration::from_secs(3600));
    assert_eq!(
        s.hotspot_login("v1", Some("v1")),
        Err(SimError::LimitReached)
    );
    assert!(s.print(HOTSPOT_ACTIVE).is_empty());
}

#[tokio::test]
async fn operator_edits_behind_the_billing_are_visible_as_drift() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    let id = c.hotspot_users().add(&user("d1")).await.expect("add");
    s.exec_ok(&[
        "/ip/hotspot/user/set",
        &format!("=.id={id}"),
        "=profile=default",
        "=comment=edited by hand",
    ])
    .expect("operator edit");
    let u = c
        .hotspot_users()
        .find("d1")
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(u.comment.as_deref(), Some("edited by hand"));
}

#[tokio::test]
async fn streaming_print_reads_many_rows_without_collecting() {
    let s = sim("7.18").await;
    for i in 0..3000 {
        s.exec_ok(&["/ip/hotspot/user/add", &format!("=name=s{i}")])
            .expect("add");
    }
    let c = client(&s).await;
    let mut st = c.hotspot_users().stream().await.expect("stream");
    let mut n = 0;
    while let Some(u) = st.next().await {
        u.expect("row");
        n += 1;
    }
    assert_eq!(n, 3000);
}

#[tokio::test]
async fn dropping_a_stream_cancels_it_and_the_client_keeps_working() {
    let s = sim("7.18").await;
    for i in 0..500 {
        s.exec_ok(&["/ip/hotspot/user/add", &format!("=name=c{i}")])
            .expect("add");
    }
    let c = client(&s).await;
    let mut st = c
        .command("/ip/hotspot/user/print")
        .stream()
        .await
        .expect("stream");
    st.next().await.expect("one row").expect("ok");
    drop(st);
    assert_eq!(c.system_identity().await.expect("identity"), "r1");
}

#[tokio::test]
async fn quit_is_a_fatal_error() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    let err = c.command("/quit").send().await.expect_err("fatal");
    assert!(
        matches!(&err, Error::Fatal(m) if m.contains("terminated")),
        "{err:?}"
    );
    assert!(matches!(
        c.system_identity().await,
        Err(Error::Fatal(_) | Error::ConnectionLost)
    ));
}

#[tokio::test]
async fn renamed_items_are_found_under_their_new_name_only() {
    let s = sim("7.18").await;
    let c = client(&s).await;
    let id = c.hotspot_users().add(&user("old")).await.expect("add");
    c.hotspot_users()
        .set(&id, &Attrs::new().set("name", "new"))
        .await
        .expect("rename");
    assert!(c.hotspot_users().find("old").await.expect("find").is_none());
    assert_eq!(
        c.hotspot_users()
            .find("new")
            .await
            .expect("find")
            .map(|u| u.id),
        Some(id)
    );
    c.hotspot_users()
        .add(&user("old"))
        .await
        .expect("old name is free again");
}

/// A fake router that logs anyone in and then answers every command with `reply`.
async fn hostile_router(reply: &'static [u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let (mut sock, _) = l.accept().await.expect("accept");
        let mut buf = [0u8; 1024];
        let _ = sock.read(&mut buf).await;
        let _ = sock
            .write_all(&mikrotik::codec::encode_sentence(&["!done"]))
            .await;
        let _ = sock.read(&mut buf).await;
        let _ = sock.write_all(reply).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    port
}

#[tokio::test]
async fn giant_word_from_a_hostile_router_is_refused_without_allocating() {
    let port = hostile_router(&[0xF0, 0xFF, 0xFF, 0xFF, 0xFF, b'x']).await;
    let c = Client::connect(mikrotik::ConnectOptions::new("127.0.0.1", "a", "b").port(port))
        .await
        .expect("login");
    let started = std::time::Instant::now();
    let err = c.system_identity().await.expect_err("hostile reply");
    assert!(matches!(err, Error::ConnectionLost), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn garbage_reply_closes_the_connection() {
    let port = hostile_router(b"\x05HELLO\x00").await;
    let c = Client::connect(mikrotik::ConnectOptions::new("127.0.0.1", "a", "b").port(port))
        .await
        .expect("login");
    let err = c.system_identity().await.expect_err("garbage");
    assert!(matches!(err, Error::ConnectionLost), "{err:?}");
    assert!(c.is_closed());
}

#[tokio::test]
async fn a_caller_that_stops_reading_does_not_stall_the_others() {
    let s = sim("7.18").await;
    for i in 0..3000 {
        s.exec_ok(&["/ip/hotspot/user/add", &format!("=name=z{i}")])
            .expect("add");
    }
    let c = Client::connect(
        s.connect_options()
            .command_timeout(Duration::from_millis(600)),
    )
    .await
    .expect("login");
    let mut slow = c
        .command("/ip/hotspot/user/print")
        .stream()
        .await
        .expect("stream");
    slow.next().await.expect("row").expect("ok");
    // Give the reader time to fill the slow caller's buffer and block on it.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    assert_eq!(c.system_identity().await.expect("not stalled"), "r1");
    // The reader gives up on the slow caller after half the timeout, well before our own.
    assert!(started.elapsed() < Duration::from_millis(950));
    let mut last = None;
    while let Some(r) = slow.next().await {
        last = Some(r);
    }
    assert!(
        matches!(last, Some(Err(Error::Timeout(Stage::Command)))),
        "{last:?}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever billing writes into a comment (separators, `=`, unicode, long text)
        /// reads back unchanged over the wire.
        #[test]
        fn any_comment_survives_add_and_print(comment in "[^\u{0}]{1,400}", name in "[A-Z0-9]{6,20}") {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            let got = rt.block_on(async {
                let s = sim("7.18").await;
                let c = client(&s).await;
                let mut spec = user(&name);
                spec.comment = Some(comment.clone());
                c.hotspot_users().add(&spec).await.expect("add");
                c.hotspot_users().find(&name).await.expect("find").and_then(|u| u.comment)
            });
            prop_assert_eq!(got, Some(comment));
        }
    }
}
