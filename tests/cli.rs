//! The command line, run as a real process: `token`, `migrate`, `seed`, `serve`, and the one-line
//! errors a bad command or setting gets (exit code 2, never a panic).

mod common;

use servihub_actors::protocol::{BusinessId, Role, UserId};
use servihub_chat::auth::Authenticator;
use servihub_chat::config::{JwtConfig, DEMO_JWT_SECRET};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_servihub-chat");
const SECRET: &str = "cli-secret-0123456789abcdef0123456789";

/// The binary with none of the node's settings inherited from the environment.
fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    for var in [
        "HOST",
        "PORT",
        "DATABASE_URL",
        "REDIS_URL",
        "JWT_SECRET",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "CORS_ORIGIN",
        "LOG_FORMAT",
        "NODE_ID",
        "NOTIFY_WEBHOOK_URL",
        "NOTIFY_WEBHOOK_SECRET",
        "RATE_LIMIT_MESSAGES",
        "RATE_LIMIT_WINDOW_MS",
        "WIDGET_DIR",
    ] {
        c.env_remove(var);
    }
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

/// Exit code 2 with exactly one line on stderr that mentions `needle`, and no panic.
fn assert_fails_with(o: &Output, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(err.contains(needle), "{err:?} does not mention {needle}");
    assert!(err.starts_with("servihub-chat: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn verifier(secret: &str) -> Authenticator {
    Authenticator::new(&JwtConfig {
        secret: secret.into(),
        issuer: None,
        audience: None,
    })
}

/// A database name no other test uses, dropped (with its connections) when the test ends.
struct FreshDb {
    name: String,
    url: String,
}

impl FreshDb {
    fn new() -> Self {
        let name = format!("shc_cli_{}", uuid::Uuid::new_v4().simple());
        let url = format!("{}/{name}", common::admin_url());
        FreshDb { name, url }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let admin = format!("{}/postgres", common::admin_url());
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        // A thread of its own: a test may still be inside a runtime.
        let _ = std::thread::spawn(move || {
            use sqlx::Connection;
            let rt = tokio::runtime::Runtime::new().ok()?;
            rt.block_on(async {
                let mut c = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&drop).execute(&mut c).await.ok()
            })
        })
        .join();
    }
}

#[test]
fn help_and_unknown_commands() {
    for arg in ["help", "-h"] {
        let o = run(&mut cmd(&[arg]));
        assert!(o.status.success());
        assert!(
            stdout(&o).starts_with("usage: servihub-chat"),
            "{}",
            stdout(&o)
        );
    }
    let o = run(&mut cmd(&["frobnicate"]));
    assert_fails_with(&o, "unknown command \"frobnicate\"");
    assert!(stderr(&o).contains("usage:"));
}

#[test]
fn token_prints_a_verifiable_jwt() {
    let o = run(cmd(&[
        "token", "--user", "1001", "--role", "CUSTOMER", "--name", "Casey",
    ])
    .env("JWT_SECRET", SECRET));
    assert!(o.status.success(), "{}", stderr(&o));
    let who = verifier(SECRET).verify(&stdout(&o)).expect("a valid token");
    assert_eq!(
        (who.user_id, who.role, who.business_id, who.name.as_deref()),
        (UserId(1001), Role::Customer, None, Some("Casey"))
    );
    assert!(
        verifier(&"z".repeat(40)).verify(&stdout(&o)).is_err(),
        "signed with JWT_SECRET"
    );

    let o = run(cmd(&[
        "token",
        "--user",
        "2001",
        "--role",
        "agent",
        "--business",
        "1",
        "--ttl",
        "15m",
    ])
    .env("JWT_SECRET", SECRET));
    assert!(o.status.success(), "{}", stderr(&o));
    let who = verifier(SECRET).verify(&stdout(&o)).unwrap();
    assert_eq!(
        (who.role, who.business_id),
        (Role::Agent, Some(BusinessId(1)))
    );

    let o = run(&mut cmd(&[
        "token",
        "--demo",
        "--user",
        "7",
        "--role",
        "OWNER",
        "--business",
        "2",
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    let who = verifier(DEMO_JWT_SECRET).verify(&stdout(&o)).unwrap();
    assert_eq!(
        (who.role, who.business_id),
        (Role::Owner, Some(BusinessId(2)))
    );
}

#[test]
fn token_errors_name_what_is_wrong() {
    let o = run(&mut cmd(&["token", "--user", "1", "--role", "CUSTOMER"]));
    assert_fails_with(&o, "JWT_SECRET");
    let o = run(cmd(&["token", "--user", "1", "--role", "CUSTOMER"]).env("JWT_SECRET", "short"));
    assert_fails_with(&o, "JWT_SECRET");
    for (args, needle) in [
        (vec!["token", "--role", "CUSTOMER"], "--user"),
        (vec!["token", "--user", "x", "--role", "CUSTOMER"], "--user"),
        (vec!["token", "--user", "1", "--role", "ADMIN"], "--role"),
        (vec!["token", "--user", "1"], "--role"),
        (
            vec!["token", "--user", "1", "--role", "AGENT"],
            "--business",
        ),
        (
            vec!["token", "--user", "1", "--role", "CUSTOMER", "--ttl", "1y"],
            "--ttl",
        ),
        (
            vec!["token", "--user", "1", "--role", "CUSTOMER", "--ttl", "0s"],
            "--ttl",
        ),
    ] {
        let o = run(cmd(&args).env("JWT_SECRET", SECRET));
        assert_fails_with(&o, needle);
    }
}

#[test]
fn serve_refuses_bad_settings_with_one_line() {
    for (var, value) in [
        ("PORT", "http"),
        ("LOG_FORMAT", "xml"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("REDIS_URL", "localhost:6379"),
        ("RATE_LIMIT_WINDOW_MS", "-5"),
        ("NOTIFY_WEBHOOK_URL", "https://hooks.example"),
    ] {
        let o = run(cmd(&["serve"]).env("JWT_SECRET", SECRET).env(var, value));
        assert_fails_with(&o, var);
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
    let o = run(&mut cmd(&[]));
    assert_fails_with(&o, "configuration error: JWT_SECRET");
}

#[test]
fn migrate_and_seed_a_fresh_database_idempotently() {
    let db = FreshDb::new();
    let url = db.url.clone();
    let o = run(cmd(&["migrate"]).env("DATABASE_URL", &url));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "migrate: done");
    for _ in 0..2 {
        let o = run(cmd(&["seed", "--businesses", "4"]).env("DATABASE_URL", &url));
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "seed: done");
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (businesses, conversations, messages): (i64, i64, i64) = rt.block_on(async {
        let pool = servihub_chat::db::connect(&url, 1).await.unwrap();
        let count = |table: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        (
            count("businesses").await,
            count("conversations").await,
            count("messages").await,
        )
    });
    assert_eq!(businesses, 4);
    assert_eq!(
        (conversations, messages),
        (1, 3),
        "seeding twice adds nothing"
    );
    let o = run(cmd(&["seed", "--businesses", "0"]).env("DATABASE_URL", &url));
    assert_fails_with(&o, "--businesses");
    let o = run(cmd(&["seed", "--businesses", "many"]).env("DATABASE_URL", &url));
    assert_fails_with(&o, "--businesses");
}

#[test]
fn migrate_reports_an_unreachable_database() {
    let o = run(cmd(&["migrate"]).env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/x"));
    assert_fails_with(&o, "cannot reach Postgres");
    let o = run(cmd(&["migrate"]).env("DATABASE_URL", "postgres://[bad"));
    assert_fails_with(&o, "DATABASE_URL");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn serve_answers_then_stops_cleanly_on_sigterm() {
    let port = free_port();
    let db = FreshDb::new();
    let url = db.url.clone();
    let mut child = cmd(&["serve"])
        .env("JWT_SECRET", SECRET)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &url)
        .env("LOG_FORMAT", "pretty")
        .env("NODE_ID", "cli-test")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let ready = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            break answer;
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("serve did not listen on {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains("\"node\":\"cli-test\""), "{ready}");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut logs = String::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(status.success(), "exit {status:?}; logs:\n{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
}

#[test]
fn demo_mode_needs_no_secret_and_logs_json() {
    let port = free_port();
    let (demo_db, busy_db) = (FreshDb::new(), FreshDb::new());
    let mut child = cmd(&["--demo"])
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &demo_db.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve --demo starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let session = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /demo/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            break answer;
        }
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            panic!("serve --demo did not listen on {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(session.starts_with("HTTP/1.1 200"), "{session}");
    let body = session.split("\r\n\r\n").nth(1).unwrap();
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let who = verifier(DEMO_JWT_SECRET)
        .verify(v["token"].as_str().unwrap())
        .expect("demo tokens use the demo secret");
    assert_eq!(who.user_id, UserId(1001));

    // A second node on the same port fails with one line.
    let busy = run(cmd(&["serve"])
        .env("JWT_SECRET", SECRET)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", &busy_db.url));
    assert_fails_with(&busy, "cannot listen on 127.0.0.1:");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let logs = String::from_utf8_lossy(&output.stdout);
    let first: serde_json::Value = serde_json::from_str(logs.lines().next().expect("a log line"))
        .unwrap_or_else(|e| panic!("JSON logs by default: {e}\n{logs}"));
    assert!(first["level"].is_string(), "{first}");
    assert!(
        logs.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|l| l["message"] == "node listening"),
        "{logs}"
    );
}
