//! Postgres out of reach while a send commits: the persistence lane's failure is answered like
//! every other unreachable-database error, `overloaded` (503, `Retry-After`, `retryAfterMs`), on
//! REST and WebSocket alike, and the same `clientId` sent again once it is back stores the
//! message once.

mod common;

use common::faults::TcpProxy;
use common::*;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_send_whose_batch_cannot_reach_the_database_is_overloaded_not_internal() {
    let proxy = TcpProxy::start("127.0.0.1:5432".parse().unwrap()).await;
    let host = admin_url().replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port()));
    let db = format!("shc_test_{}", uuid::Uuid::new_v4().simple());
    let n = TestNode::start_on(&format!("{host}/{db}"), |_| {}).await;
    let cust = n.customer(100);
    let conv = n.open(&cust, 1).await;
    // Warm: the conversation's actor knows the room and the user is known, so the next sends
    // reach the database only in their persistence lane.
    assert_eq!(n.send(&cust, &conv, "warm", "hello").await.0, 201);
    let mut ws = ws_connect(&n, &cust).await;

    proxy.cut();
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/messages")))
        .bearer_auth(&cust)
        .json(&json!({"clientId": "cut-1", "body": "during the cut"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "overloaded", "{v}");
    assert_eq!(v["retryAfterMs"], 1000, "{v}");

    ws_send(
        &mut ws,
        json!({"type": "message.send", "conversationId": conv, "clientId": "cut-2", "body": "ws"}),
    )
    .await;
    let e = tokio::time::timeout(Duration::from_secs(15), next_of(&mut ws, "error"))
        .await
        .expect("an answer while the database is away");
    assert_eq!(
        (&e["code"], &e["ref"]),
        (&json!("overloaded"), &json!("cut-2")),
        "{e}"
    );

    proxy.restore();
    // The retry with the same clientId is stored once.
    let mut stored = None;
    for _ in 0..50 {
        let (s, v) = n.send(&cust, &conv, "cut-1", "during the cut").await;
        if s == 201 || s == 200 {
            stored = Some(v);
            break;
        }
        assert_eq!(s, 503, "{v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(stored.is_some(), "stored once the database is back");
    assert_eq!(n.send(&cust, &conv, "cut-1", "during the cut").await.0, 200);
    let page = n.history(&cust, &conv).await;
    let ids: Vec<&str> = page.iter().filter_map(|m| m["clientId"].as_str()).collect();
    assert_eq!(
        ids,
        vec!["warm", "cut-1"],
        "nothing of the refused sends but the retry"
    );
    n.stop().await;
}
