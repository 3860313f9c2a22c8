//! End-to-end checks of the real `mikrobill` binary: configuration errors and the ops routes.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mikrobill");
const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

fn mikrobill(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MIKROBILL_LOG", "warn")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

#[test]
fn config_errors_name_the_variable_and_exit_2() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("MIKROBILL_JWT_SECRET", "short")], "MIKROBILL_JWT_SECRET"),
        (&[], "MIKROBILL_JWT_SECRET"),
        (
            &[
                ("MIKROBILL_JWT_SECRET", SECRET),
                ("MIKROBILL_BIND", "not-an-address"),
            ],
            "MIKROBILL_BIND",
        ),
        (
            &[
                ("MIKROBILL_JWT_SECRET", SECRET),
                ("MIKROBILL_BCRYPT_COST", "99"),
            ],
            "MIKROBILL_BCRYPT_COST",
        ),
        (
            &[
                ("MIKROBILL_JWT_SECRET", SECRET),
                ("MIKROBILL_LOG_JSON", "maybe"),
            ],
            "MIKROBILL_LOG_JSON",
        ),
        (
            &[("MIKROBILL_CONFIG", "/nonexistent/mikrobill.toml")],
            "MIKROBILL_CONFIG",
        ),
        (&[("MIKROBILL_JWT_SECRET", SECRET)], "MIKROBILL_MASTER_KEY"),
        (
            &[
                ("MIKROBILL_JWT_SECRET", SECRET),
                ("MIKROBILL_MASTER_KEY", "not-hex"),
            ],
            "MIKROBILL_MASTER_KEY",
        ),
    ];
    for (env, var) in cases {
        check_config_error(&["serve", "--no-migrate"], env, var);
    }
    check_config_error(&["worker"], &[], "MIKROBILL_MASTER_KEY");
    check_config_error(
        &["worker"],
        &[("MIKROBILL_JOB_MAX_ATTEMPTS", "many")],
        "MIKROBILL_JOB_MAX_ATTEMPTS",
    );
}

fn check_config_error(args: &[&str], env: &[(&str, &str)], var: &str) {
    let out = mikrobill(args, env).output();
    let Ok(out) = out else {
        panic!("cannot run {BIN}")
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{env:?}: stderr was {stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("config error: ") && first.contains(var),
        "{env:?}: {stderr}"
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A tiny HTTP/1.1 GET (status, content type, body), so this test needs no async runtime.
fn get(port: u16, path: &str) -> Option<(u16, String, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    let (head, body) = buf.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let ctype = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_owned())
        })
        .unwrap_or_default();
    Some((status, ctype, body.to_owned()))
}

fn wait_for(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if get(port, "/healthz").is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn readyz_is_503_problem_json_when_the_database_is_unreachable_while_healthz_stays_200() {
    let port = free_port();
    let dead_db = format!("postgres://postgres@127.0.0.1:{}/nothing", free_port());
    let bind = format!("127.0.0.1:{port}");
    let child = mikrobill(
        &["serve", "--no-migrate"],
        &[
            ("MIKROBILL_JWT_SECRET", SECRET),
            (
                "MIKROBILL_MASTER_KEY",
                "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            ),
            ("MIKROBILL_BIND", &bind),
            ("DATABASE_URL", &dead_db),
            ("AMQP_URL", ""),
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn();
    let Ok(child) = child else {
        panic!("cannot start serve")
    };
    let _server = Server(child);
    assert!(wait_for(port), "serve did not come up");

    let (status, _, body) = get(port, "/healthz").unwrap_or_default();
    assert_eq!(status, 200, "{body}");

    let (status, ctype, body) = get(port, "/readyz").unwrap_or_default();
    assert_eq!(status, 503, "{body}");
    assert_eq!(ctype, "application/problem+json");
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(problem["status"], 503);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("database"),
        "{body}"
    );

    let (status, ctype, body) = get(port, "/api/v1/openapi.json").unwrap_or_default();
    assert_eq!(
        (status, ctype.as_str()),
        (200, "application/json"),
        "{body}"
    );
    let served: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let generated: serde_json::Value =
        serde_json::from_str(&api::openapi::document_json()).unwrap_or_default();
    assert_eq!(
        served, generated,
        "the served document differs from the generated one"
    );

    let (status, ctype, _) = get(port, "/docs/").unwrap_or_default();
    assert_eq!(status, 200, "interactive docs must be served offline");
    assert!(ctype.starts_with("text/html"), "{ctype}");

    let (status, ctype, _) = get(port, "/no/such/route").unwrap_or_default();
    assert_eq!((status, ctype.as_str()), (404, "application/problem+json"));
}
