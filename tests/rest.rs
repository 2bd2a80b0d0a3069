//! REST against a real node and Postgres: system routes, identity, conversations, access
//! rules and the community opt-in.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_ready_metrics_openapi() {
    let n = TestNode::start().await;
    assert_eq!(
        n.call(Method::GET, "/health", None, None).await,
        (200, json!({"status": "ok"}))
    );
    let (s, v) = n.call(Method::GET, "/ready", None, None).await;
    assert_eq!((s, v["postgres"].clone()), (200, json!(true)));
    let (s, v) = n
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["openapi"], "3.0.3");
    let m = n
        .http
        .get(n.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("chat_http_requests_total"), "{m}");
    let (s, v) = n.call(Method::GET, "/nope", None, None).await;
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));
    n.stop().await;
}

#[tokio::test]
async fn bad_tokens_are_401() {
    let n = TestNode::start().await;
    let (s, v) = n
        .call(Method::GET, "/api/v1/conversations", None, None)
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["type"].as_str()),
        (401, Some("unauthorized"), Some("error"))
    );
    let forged = format!("{}x", n.customer(5));
    assert_eq!(
        n.call(Method::GET, "/api/v1/conversations", Some(&forged), None)
            .await
            .0,
        401
    );
    // alg: none with the same claims
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI1Iiwicm9sZSI6IkNVU1RPTUVSIiwiZXhwIjo0MTAyNDQ0ODAwfQ.";
    assert_eq!(
        n.call(Method::GET, "/api/v1/conversations", Some(none), None)
            .await
            .0,
        401
    );
    let expired = {
        use jsonwebtoken::{encode, EncodingKey, Header};
        let claims = json!({"sub": "5", "role": "CUSTOMER", "exp": 1_000_000});
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    assert_eq!(
        n.call(Method::GET, "/api/v1/conversations", Some(&expired), None)
            .await
            .0,
        401
    );
    let no_business = n.token(7, servihub_actors::protocol::Role::Agent, None, "x");
    assert_eq!(
        n.call(
            Method::GET,
            "/api/v1/conversations",
            Some(&no_business),
            None
        )
        .await
        .0,
        401
    );
    // token in the query string works too
    let t = n.customer(5);
    let (s, _) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations?access_token={t}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200);
    n.stop().await;
}

#[tokio::test]
async fn one_direct_conversation_per_pair_even_concurrently() {
    let n = TestNode::start().await;
    let t = n.customer(100);
    let calls = (0..8).map(|_| {
        n.call(
            Method::POST,
            "/api/v1/conversations",
            Some(&t),
            Some(json!({"businessId": "1"})),
        )
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let ids: std::collections::HashSet<_> = results.iter().map(|(_, v)| v["id"].clone()).collect();
    assert_eq!((created, ids.len()), (1, 1), "{results:?}");
    let (s, v) = n
        .call(
            Method::POST,
            "/api/v1/conversations",
            Some(&t),
            Some(json!({"businessId": "999"})),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (404, Some("not_found")));
    let (s, _) = n
        .call(
            Method::POST,
            "/api/v1/conversations",
            Some(&t),
            Some(json!({"businessId": "x"})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = n
        .call(
            Method::POST,
            "/api/v1/conversations",
            Some(&n.agent(2001, 1)),
            Some(json!({"businessId": "1"})),
        )
        .await;
    assert_eq!(s, 403);
    n.stop().await;
}

#[tokio::test]
async fn access_rules() {
    let n = TestNode::start().await;
    let alice = n.customer(100);
    let bob = n.customer(101);
    let conv = n.open(&alice, 1).await;
    n.send(&alice, &conv, "a1", "mine").await;
    let before = n.count_messages().await;
    let path = format!("/api/v1/conversations/{conv}");
    assert_eq!(n.call(Method::GET, &path, Some(&bob), None).await.0, 403);
    assert_eq!(n.send(&bob, &conv, "b1", "intrude").await.0, 403);
    let other_biz = n.agent(3001, 2);
    assert_eq!(
        n.call(Method::GET, &path, Some(&other_biz), None).await.0,
        403
    );
    assert_eq!(n.send(&other_biz, &conv, "o1", "intrude").await.0, 403);
    assert_eq!(n.count_messages().await, before);
    assert_eq!(
        n.call(
            Method::GET,
            "/api/v1/conversations/999999",
            Some(&alice),
            None
        )
        .await
        .0,
        404
    );
    let agent = n.agent(2001, 1);
    let (s, v) = n.call(Method::GET, &path, Some(&agent), None).await;
    assert_eq!(
        (s, v["businessName"].as_str()),
        (200, Some("Northwind Bikes"))
    );
    let (s, reply) = n.send(&agent, &conv, "g1", "How can we help?").await;
    assert_eq!(
        (
            s,
            reply["sender"]["role"].as_str(),
            reply["sender"]["name"].as_str()
        ),
        (201, Some("AGENT"), Some("Alice"))
    );
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&agent), None)
        .await;
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == conv.as_str()));
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&other_biz), None)
        .await;
    assert!(!list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == conv.as_str()));
    n.stop().await;
}

#[tokio::test]
async fn community_opt_in() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let (s, v) = n
        .call(
            Method::GET,
            "/api/v1/businesses/1/community",
            Some(&c),
            None,
        )
        .await;
    assert_eq!(
        (s, v["subscribed"].as_bool(), v["type"].as_str()),
        (200, Some(false), Some("COMMUNITY"))
    );
    assert_eq!(
        n.call(
            Method::PUT,
            "/api/v1/businesses/1/community/subscription",
            Some(&c),
            None
        )
        .await
        .0,
        204
    );
    let (_, v) = n
        .call(
            Method::GET,
            "/api/v1/businesses/1/community",
            Some(&c),
            None,
        )
        .await;
    assert_eq!(
        (v["subscribed"].as_bool(), v["subscriberCount"].as_i64()),
        (Some(true), Some(1))
    );
    let conv = v["id"].as_str().unwrap().to_string();
    assert_eq!(n.send(&c, &conv, "x", "customers cannot post").await.0, 403);
    assert_eq!(
        n.call(
            Method::GET,
            "/api/v1/businesses/77/community",
            Some(&c),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        n.call(
            Method::PUT,
            "/api/v1/businesses/1/community/subscription",
            Some(&n.agent(2001, 1)),
            None
        )
        .await
        .0,
        400
    );
    assert_eq!(
        n.call(
            Method::DELETE,
            "/api/v1/businesses/1/community/subscription",
            Some(&c),
            None
        )
        .await
        .0,
        204
    );
    n.stop().await;
}
