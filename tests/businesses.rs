//! Business provisioning by the platform: the REST route with a PLATFORM token, idempotent under
//! concurrent calls, the `business add|list` command, and the error staff of a business that was
//! never provisioned get.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;
use servihub_chat::auth::Authenticator;
use servihub_chat::config::JwtConfig;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_servihub-chat");

#[tokio::test]
async fn staff_of_an_unknown_business_are_told_how_to_provision_it() {
    let n = TestNode::start().await;
    let agent = n.agent(2500, 40);
    let (s, v) = n
        .call(Method::GET, "/api/v1/conversations", Some(&agent), None)
        .await;
    assert_eq!((s, &v["code"]), (404, &json!("not_found")), "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(msg.contains("business 40 does not exist"), "{msg}");
    assert!(msg.contains("PUT /api/v1/businesses/40"), "{msg}");
    assert!(msg.contains("servihub-chat business add --id 40"), "{msg}");

    // The WebSocket upgrade is refused the same way, before any socket exists.
    let r = n
        .http
        .get(n.url(&format!("/ws?access_token={agent}")))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // A customer opening a conversation with it gets a 404 too.
    let cust = n.customer(2600);
    let (s, _) = n
        .call(
            Method::POST,
            "/api/v1/conversations",
            Some(&cust),
            Some(json!({"businessId": "40"})),
        )
        .await;
    assert_eq!(s, 404);

    let platform = n.auth.mint_platform("platform", 60).unwrap();
    let (s, v) = n
        .call(
            Method::PUT,
            "/api/v1/businesses/40",
            Some(&platform),
            Some(json!({"name": "  Riverside Cycles "})),
        )
        .await;
    assert_eq!((s, &v["name"]), (201, &json!("Riverside Cycles")), "{v}");
    let (s, v) = n
        .call(Method::GET, "/api/v1/conversations", Some(&agent), None)
        .await;
    assert_eq!((s, &v["items"]), (200, &json!([])), "{v}");
    let conv = n.open(&cust, 40).await;
    let (s, v) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!((s, &v["businessName"]), (200, &json!("Riverside Cycles")));

    // A platform token is no user.
    let (s, v) = n
        .call(Method::GET, "/api/v1/conversations", Some(&platform), None)
        .await;
    assert_eq!(s, 401);
    assert!(v["message"].as_str().unwrap().contains("PLATFORM"), "{v}");
    n.stop().await;
}

#[tokio::test]
async fn concurrent_creates_make_one_business_and_renames_are_idempotent() {
    let n = TestNode::start().await;
    let platform = n.auth.mint_platform("platform", 60).unwrap();
    let calls = (0..8).map(|_| {
        n.call(
            Method::PUT,
            "/api/v1/businesses/900",
            Some(&platform),
            Some(json!({"name": "Pier Café"})),
        )
    });
    let answers = futures_util::future::join_all(calls).await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let existing = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!((created, existing), (1, 7), "{answers:?}");
    let first = answers[0].1["createdAt"].clone();
    assert!(answers.iter().all(|(_, v)| v["createdAt"] == first));

    let (s, v) = n
        .call(
            Method::PUT,
            "/api/v1/businesses/900",
            Some(&platform),
            Some(json!({"name": "Pier Cafe & Bar"})),
        )
        .await;
    assert_eq!((s, &v["name"]), (200, &json!("Pier Cafe & Bar")));
    let (_, v) = n
        .call(Method::GET, "/api/v1/businesses", Some(&platform), None)
        .await;
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.last(), Some(&"Pier Cafe & Bar"));
    assert_eq!(names.len(), 4, "seeded 1..3 and 900: {names:?}");

    // The sequence stays ahead of provisioned ids.
    let next: i64 = sqlx::query_scalar("INSERT INTO businesses (name) VALUES ('x') RETURNING id")
        .fetch_one(n.node.as_ref().unwrap().pool())
        .await
        .unwrap();
    assert!(next > 900, "{next}");

    let (s, _) = n
        .call(
            Method::PUT,
            "/api/v1/businesses/901",
            Some(&platform),
            Some(json!({"name": "x".repeat(201)})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = n
        .call(
            Method::PUT,
            "/api/v1/businesses/901",
            Some(&platform),
            Some(json!({"name": "Tab\there"})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = n
        .call(
            Method::GET,
            "/api/v1/businesses?after=abc",
            Some(&platform),
            None,
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = n
        .call(
            Method::GET,
            "/api/v1/businesses?limit=many",
            Some(&platform),
            None,
        )
        .await;
    assert_eq!(s, 400);
    n.stop().await;
}

fn business_cmd(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("business")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("JWT_SECRET")
        .output()
        .expect("the binary runs")
}

#[tokio::test]
async fn the_business_command_adds_and_lists() {
    let db = format!("{}/shc_test_{}", admin_url(), uuid::Uuid::new_v4().simple());
    let o = business_cmd(&db, &["add", "--id", "12", "--name", "Harbor Bakery"]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "created\t12\tHarbor Bakery\n"
    );
    let o = business_cmd(&db, &["add", "--id", "12", "--name", "Harbor Bakery"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "exists\t12\tHarbor Bakery\n"
    );
    let o = business_cmd(&db, &["add", "--id", "5", "--name", "Northwind Bikes"]);
    assert!(o.status.success(), "{o:?}");
    let o = business_cmd(&db, &["list"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "5\tNorthwind Bikes\n12\tHarbor Bakery\n"
    );
    for (args, needle) in [
        (&["add", "--name", "x"][..], "--id ID is required"),
        (&["add", "--id", "3"][..], "--name NAME is required"),
        (
            &["add", "--id", "3", "--name", " "][..],
            "must not be empty",
        ),
        (&["remove"][..], "usage: servihub-chat business"),
    ] {
        let o = business_cmd(&db, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{err:?} lacks {needle:?}");
    }
}

#[test]
fn the_token_command_mints_platform_tokens() {
    let secret = "cli-secret-0123456789abcdef0123456789";
    let o = Command::new(BIN)
        .args(["token", "--role", "PLATFORM", "--name", "billing"])
        .env("JWT_SECRET", secret)
        .env_remove("JWT_ISSUER")
        .env_remove("JWT_AUDIENCE")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let token = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let auth = Authenticator::new(&JwtConfig {
        secret: secret.into(),
        issuer: None,
        audience: None,
    });
    assert_eq!(auth.verify_platform(&token).unwrap().name, "billing");
}
