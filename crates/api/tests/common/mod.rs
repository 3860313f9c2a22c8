//! Black-box test harness: the real API server on a free port against its own database
//! (`store::testing::TestDb`), with typed request helpers. `TEST_LOG=1` shows the logs.
//!
//! ```ignore
//! let app = TestApp::spawn().await;
//! let token = app.login_as("operator").await;
//! let res = app.get("/customers", &token).await;           // paths are under /api/v1
//! assert_eq!(res.status(), 200);
//! ```
#![allow(
    dead_code,
    reason = "each test binary uses a different subset of the helpers"
)]

use std::sync::Once;
use std::sync::atomic::{AtomicU32, Ordering};

use api::{ApiConfig, AppState};
use diesel::PgConnection;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use store::testing::TestDb;

/// Password of every admin made by [`TestApp::create_admin`] unless given.
pub const PASSWORD: &str = "correct horse battery";

static COUNTER: AtomicU32 = AtomicU32::new(0);
static TRACING: Once = Once::new();

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub db: TestDb,
    pub state: AppState,
    pub client: reqwest::Client,
}

fn init_tracing() {
    TRACING.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
                .with_test_writer()
                .try_init();
        }
    });
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts the server after `configure` adjusts the test configuration.
    pub async fn spawn_with(configure: impl FnOnce(&mut ApiConfig)) -> TestApp {
        init_tracing();
        let db = TestDb::new().await;
        let mut config = ApiConfig::for_tests();
        config.workers = 1;
        configure(&mut config);
        let (key, _) = store::crypto::MasterKey::generate();
        let state = AppState::new(db.pool().clone(), config).with_master_key(key);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().expect("local addr").port();
        let server = api::server::start(state.clone(), listener).expect("start the server");
        tokio::spawn(server);
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            db,
            state,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
        }
    }

    /// Absolute URL of an `/api/v1` path (`/auth/me`), or of an ops path when it does not
    /// start with `/` (`healthz`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}/api/v1{path}", self.address)
        } else {
            format!("{}/{path}", self.address)
        }
    }

    pub fn conn(&self) -> PgConnection {
        self.db.connect()
    }

    /// Inserts an admin directly (bcrypt cost 4) and returns its id.
    pub fn create_admin(&self, username: &str, role: &str, password: &str) -> i64 {
        let hash = bcrypt::hash(password, 4).expect("hash");
        let mut conn = self.conn();
        store::admins::insert(
            &mut conn,
            &store::models::admin::NewAdminUser {
                username,
                password_hash: &hash,
                role,
                full_name: username,
                email: None,
                phone: None,
                location_id: None,
            },
        )
        .expect("insert admin")
        .id
    }

    /// A unique username for `role`.
    pub fn unique_username(role: &str) -> String {
        format!("{role}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
    }

    /// `POST /auth/login`.
    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.request(
            Method::POST,
            "/auth/login",
            None,
            Some(&json!({"username": username, "password": password})),
        )
        .await
    }

    /// Creates a fresh admin of `role`, logs in and returns the whole token response.
    pub async fn login_full(&self, role: &str) -> Value {
        let username = Self::unique_username(role);
        self.create_admin(&username, role, PASSWORD);
        let res = self.login(&username, PASSWORD).await;
        assert_eq!(res.status(), 200, "login as {role} failed");
        res.json().await.expect("token json")
    }

    /// Creates a fresh admin of `role` (`super_admin`, `admin`, `operator`) and returns an
    /// access token.
    pub async fn login_as(&self, role: &str) -> String {
        let body = self.login_full(role).await;
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Any request; `path` as in [`TestApp::url`].
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::PUT, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// Number of audit rows with `action`.
    pub fn audit_count(&self, action: &str) -> i64 {
        use diesel::prelude::*;
        use store::schema::audit_log;
        audit_log::table
            .filter(audit_log::action.eq(action))
            .count()
            .get_result(&mut self.conn())
            .expect("count audit rows")
    }
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "unexpected status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let body: Value = res.json().await.expect("problem json");
    assert_eq!(body["code"], code, "body: {body}");
    body
}
