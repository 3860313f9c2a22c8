//! API-SSL against the simulator's self-signed certificate, and the router pool.

#![expect(
    clippy::expect_used,
    reason = "a failed expectation is the test failure"
)]

use std::time::Duration;

use mikrotik::client::{TlsOptions, TlsVerify};
use mikrotik::sim::{SimConfig, SimHandle, Simulator};
use mikrotik::{BreakerState, Client, Error, PoolConfig, RouterPool};

async fn tls_sim() -> SimHandle {
    Simulator::start(SimConfig::new("tls1", "admin", "pw").with_tls())
        .await
        .expect("simulator starts")
}

#[tokio::test]
async fn tls_with_pinned_fingerprint_logs_in() {
    let s = tls_sim().await;
    let opts = s.tls_connect_options().expect("tls enabled");
    let c = Client::connect(opts).await.expect("TLS login");
    assert_eq!(c.system_identity().await.expect("identity"), "tls1");
    // Pipelined commands work over TLS too.
    let res = c
        .execute_many(
            &(0..50)
                .map(|_| mikrotik::Command::new("/system/identity/print"))
                .collect::<Vec<_>>(),
        )
        .await;
    assert!(res.iter().all(Result::is_ok));
}

#[tokio::test]
async fn tls_refuses_a_certificate_with_another_fingerprint() {
    let s = tls_sim().await;
    let mut opts = s.tls_connect_options().expect("tls enabled");
    opts.tls = Some(TlsOptions::pinned(&"ab".repeat(32)).expect("valid pin"));
    let err = Client::connect(opts).await.expect_err("pin mismatch");
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
}

#[tokio::test]
async fn tls_verification_is_on_by_default_and_rejects_self_signed() {
    let s = tls_sim().await;
    let mut opts = s.tls_connect_options().expect("tls enabled");
    // No pin, no trusted CA: the self-signed certificate must not be accepted.
    opts.tls = Some(TlsOptions {
        verify: TlsVerify::Roots(Vec::new()),
        server_name: Some("localhost".into()),
    });
    let err = Client::connect(opts)
        .await
        .expect_err("untrusted certificate");
    assert!(matches!(err, Error::Tls(_)), "{err:?}");
}

#[tokio::test]
async fn plain_client_on_the_tls_port_fails_within_its_timeout() {
    let s = tls_sim().await;
    let opts = s
        .connect_options()
        .port(s.tls_addr().expect("tls").port())
        .timeouts(
            Duration::from_secs(1),
            Duration::from_millis(500),
            Duration::from_secs(1),
        );
    let started = std::time::Instant::now();
    assert!(Client::connect(opts).await.is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
}

fn fast_pool() -> PoolConfig {
    PoolConfig {
        max_in_flight: 4,
        failure_threshold: 2,
        base_backoff: Duration::from_millis(300),
        max_backoff: Duration::from_secs(2),
        retry_stale: true,
        max_rate_per_router: None,
    }
}

async fn plain(name: &str) -> SimHandle {
    Simulator::start(SimConfig::new(name, "admin", "pw"))
        .await
        .expect("sim")
}

#[tokio::test]
async fn pool_reuses_one_connection_per_router() {
    let a = plain("a").await;
    let pool = RouterPool::new(fast_pool());
    pool.upsert(1, a.connect_options());
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(&1, |c| async move { c.system_identity().await })
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task").expect("identity"), "a");
    }
    assert_eq!(a.connections(), 1);
}

#[tokio::test]
async fn pool_reconnects_after_the_router_dropped_the_session() {
    let a = plain("a").await;
    let pool = RouterPool::new(fast_pool());
    pool.upsert(1, a.connect_options());
    pool.health(&1).await.expect("first health check");
    a.drop_connections();
    // Right away: the stale session is detected and the call retried on a new one.
    let (identity, _) = pool.health(&1).await.expect("after drop");
    assert_eq!(identity, "a");
    assert_eq!(
        pool.breaker_state(&1).expect("known"),
        BreakerState::Closed { failures: 0 }
    );
}

#[tokio::test]
async fn dead_router_opens_its_breaker_without_blocking_the_others() {
    let a = plain("alive").await;
    let dead = plain("dead").await;
    dead.set_online(false);
    while Client::connect(dead.connect_options()).await.is_ok() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pool = RouterPool::new(fast_pool());
    pool.upsert("alive", a.connect_options());
    pool.upsert("dead", dead.connect_options());

    for _ in 0..2 {
        assert!(pool.health(&"dead").await.is_err());
    }
    assert!(matches!(
        pool.breaker_state(&"dead"),
        Ok(BreakerState::Open { .. })
    ));
    let started = std::time::Instant::now();
    let err = pool.health(&"dead").await.expect_err("open breaker");
    assert!(matches!(err, Error::Unavailable { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(200), "fails fast");
    pool.health(&"alive")
        .await
        .expect("the other router is unaffected");

    // Back online: after the backoff one probe closes the breaker again.
    dead.set_online(true);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while let Err(e) = pool.health(&"dead").await {
        assert!(
            std::time::Instant::now() < deadline,
            "breaker never closed: {e}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        pool.breaker_state(&"dead").expect("known"),
        BreakerState::Closed { failures: 0 }
    );
}

#[tokio::test]
async fn traps_do_not_count_against_the_router() {
    let a = plain("a").await;
    let pool = RouterPool::new(fast_pool());
    pool.upsert(1, a.connect_options());
    for _ in 0..5 {
        let r = pool
            .run(&1, |c| async move {
                c.command("/ip/hotspot/user/remove")
                    .attr(".id", "*99")
                    .send()
                    .await
            })
            .await;
        assert!(matches!(r, Err(Error::Trap { .. })));
    }
    assert_eq!(
        pool.breaker_state(&1).expect("known"),
        BreakerState::Closed { failures: 0 }
    );
    assert!(matches!(pool.breaker_state(&2), Err(Error::UnknownRouter)));
}

#[tokio::test]
async fn rate_limit_spaces_calls_to_one_router() {
    let a = plain("a").await;
    let pool = RouterPool::new(PoolConfig {
        max_rate_per_router: Some(20),
        ..fast_pool()
    });
    pool.upsert(1, a.connect_options());
    let started = std::time::Instant::now();
    for _ in 0..6 {
        pool.run(&1, |c| async move { c.system_identity().await })
            .await
            .expect("identity");
    }
    // Six calls at 20/s: the first is immediate, the next five wait 50 ms each.
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn health_all_reports_every_router_at_once() {
    let a = plain("a").await;
    let b = plain("b").await;
    let pool = RouterPool::new(fast_pool());
    pool.upsert("a", a.connect_options());
    pool.upsert("b", b.connect_options());
    pool.upsert(
        "gone",
        mikrotik::ConnectOptions::new("127.0.0.1", "x", "y").port(1),
    );
    let mut all = pool.health_all().await;
    all.sort_by_key(|(k, _)| *k);
    let names: Vec<_> = all
        .iter()
        .map(|(k, r)| (*k, r.as_ref().map(|(n, _)| n.clone()).ok()))
        .collect();
    assert_eq!(
        names,
        [
            ("a", Some("a".to_owned())),
            ("b", Some("b".to_owned())),
            ("gone", None)
        ]
    );
}

#[tokio::test]
async fn callers_queued_on_a_dead_router_fail_fast_once_the_breaker_opens() {
    // A port that accepts but never answers: each connect costs the full login timeout.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    let hold = tokio::spawn(async move {
        let mut socks = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            socks.push(s);
        }
    });
    let pool = RouterPool::new(PoolConfig {
        failure_threshold: 1,
        ..fast_pool()
    });
    let opts = mikrotik::ConnectOptions::new("127.0.0.1", "a", "b")
        .port(port)
        .timeouts(
            Duration::from_secs(1),
            Duration::from_millis(300),
            Duration::from_secs(1),
        );
    pool.upsert(1, opts);
    let started = std::time::Instant::now();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { pool.health(&1).await })
        })
        .collect();
    for c in calls {
        assert!(c.await.expect("task").is_err());
    }
    // One login timeout, not four in a row.
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    hold.abort();
}
