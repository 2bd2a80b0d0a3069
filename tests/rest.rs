//! REST API against a real node and Postgres: every route, access rule and bad input.

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
async fn send_history_idempotency_and_sanitising() {
    let n = TestNode::start().await;
    let t = n.customer(100);
    let conv = n.open(&t, 1).await;
    let (s, first) = n
        .send(&t, &conv, "c-1", "<b>Hello</b> <script>x</script>")
        .await;
    assert_eq!(s, 201);
    assert_eq!(first["body"], "Hello x");
    let (s, again) = n.send(&t, &conv, "c-1", "different").await;
    assert_eq!(
        (s, again["id"].clone()),
        (200, first["id"].clone()),
        "a retry returns the first message"
    );
    for i in 0..5 {
        assert_eq!(
            n.send(&t, &conv, &format!("c-{}", i + 2), &format!("m{i}"))
                .await
                .0,
            201
        );
    }
    let (s, page) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages?limit=2"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(
        items
            .iter()
            .map(|m| m["body"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["m3", "m4"]
    );
    let before = items[0]["id"].as_str().unwrap();
    let (_, older) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages?before={before}&limit=50"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(older["items"].as_array().unwrap().len(), 4);
    let first_id = first["id"].as_str().unwrap();
    let (_, after) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages?after={first_id}"),
            Some(&t),
            None,
        )
        .await;
    assert_eq!(after["items"].as_array().unwrap().len(), 5);
    for bad in [
        "limit=0",
        "limit=201",
        "before=x",
        "before=1&after=2",
        "limit=abc",
    ] {
        let (s, v) = n
            .call(
                Method::GET,
                &format!("/api/v1/conversations/{conv}/messages?{bad}"),
                Some(&t),
                None,
            )
            .await;
        assert_eq!((s, v["code"].as_str()), (400, Some("bad_request")), "{bad}");
    }
    let before_count = n.count_messages().await;
    assert_eq!(n.send(&t, &conv, "c-x", "   ").await.0, 400);
    assert_eq!(n.send(&t, &conv, "c-y", &"a".repeat(4001)).await.0, 400);
    assert_eq!(n.send(&t, &conv, "", "hi").await.0, 400);
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/messages")))
        .bearer_auth(&t)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/messages")))
        .bearer_auth(&t)
        .body(vec![b'a'; 70 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    let (s, _) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&t),
            Some(json!({"clientId": 5, "body": "x"})),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        n.count_messages().await,
        before_count,
        "bad input stores nothing"
    );
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
async fn unread_read_edit_delete_reactions() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let agent = n.agent(2001, 1);
    let conv = n.open(&c, 1).await;
    let (_, m1) = n.send(&c, &conv, "1", "one").await;
    let (_, m2) = n.send(&c, &conv, "2", "two").await;
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&agent), None)
        .await;
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == conv.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["unreadCount"], 2);
    assert_eq!(item["lastMessage"]["body"], "two");
    let read = |id: &serde_json::Value| json!({"messageId": id});
    let (s, _) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/read"),
            Some(&agent),
            Some(read(&m1["id"])),
        )
        .await;
    assert_eq!(s, 204);
    let (_, one) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(one["unreadCount"], 1);
    n.call(
        Method::POST,
        &format!("/api/v1/conversations/{conv}/read"),
        Some(&agent),
        Some(read(&m2["id"])),
    )
    .await;
    let (_, one) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(one["unreadCount"], 0);
    assert_eq!(
        n.call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/read"),
            Some(&agent),
            Some(json!({"messageId": "99999"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        n.call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/typing"),
            Some(&c),
            Some(json!({"isTyping": true}))
        )
        .await
        .0,
        204
    );

    let id = m1["id"].as_str().unwrap();
    let (s, _) = n
        .call(
            Method::PATCH,
            &format!("/api/v1/messages/{id}"),
            Some(&agent),
            Some(json!({"body": "hijack"})),
        )
        .await;
    assert_eq!(s, 403, "only the sender edits");
    let (s, edited) = n
        .call(
            Method::PATCH,
            &format!("/api/v1/messages/{id}"),
            Some(&c),
            Some(json!({"body": "one, edited"})),
        )
        .await;
    assert_eq!((s, edited["body"].as_str()), (200, Some("one, edited")));
    assert!(edited["editedAt"].is_string());
    let (s, r) = n
        .call(
            Method::PUT,
            &format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!((s, r["reactions"][0]["emoji"].as_str()), (200, Some("👍")));
    assert_eq!(
        n.call(
            Method::PUT,
            &format!("/api/v1/messages/{id}/reactions/abc"),
            Some(&agent),
            None
        )
        .await
        .0,
        400
    );
    let (_, r) = n
        .call(
            Method::DELETE,
            &format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(r["reactions"], json!([]));
    assert_eq!(
        n.call(
            Method::DELETE,
            &format!("/api/v1/messages/{id}"),
            Some(&agent),
            None
        )
        .await
        .0,
        403
    );
    let (s, d) = n
        .call(
            Method::DELETE,
            &format!("/api/v1/messages/{id}"),
            Some(&c),
            None,
        )
        .await;
    assert_eq!((s, d["body"].as_str()), (200, Some("")));
    assert!(d["deletedAt"].is_string());
    let id2 = m2["id"].as_str().unwrap();
    let (s, _) = n
        .call(
            Method::DELETE,
            &format!("/api/v1/messages/{id2}"),
            Some(&n.owner(2002, 1)),
            None,
        )
        .await;
    assert_eq!(s, 200, "the business owner may delete");
    assert_eq!(
        n.call(
            Method::PATCH,
            &format!("/api/v1/messages/{id2}"),
            Some(&c),
            Some(json!({"body": "x"}))
        )
        .await
        .0,
        404
    );
    n.stop().await;
}

#[tokio::test]
async fn uploads_are_capped_sniffed_and_private() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    // a 2x3 PNG
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 2, 0, 0, 0, 3, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "text/html")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            a["mimeType"].as_str(),
            a["width"].as_i64(),
            a["height"].as_i64()
        ),
        (Some("image/png"), Some(2), Some(3))
    );
    let (s, m) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&c),
            Some(json!({"clientId": "f1", "attachmentIds": [a["id"]]})),
        )
        .await;
    assert_eq!(
        (
            s,
            m["contentType"].as_str(),
            m["attachments"][0]["id"].clone()
        ),
        (201, Some("IMAGE"), a["id"].clone())
    );
    let url = a["url"].as_str().unwrap();
    let r = n.http.get(n.url(url)).bearer_auth(&c).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let r = n
        .http
        .get(n.url(url))
        .bearer_auth(n.customer(101))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let count = |n: &TestNode| {
        let pool = n.node.as_ref().unwrap().service.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM attachments")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = count(&n).await;
    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(count(&n).await, before, "nothing kept");
    n.stop().await;
}

#[tokio::test]
async fn rate_limit_refuses_the_21st_message() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    for i in 0..20 {
        assert_eq!(n.send(&c, &conv, &format!("r{i}"), "x").await.0, 201);
    }
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/messages")))
        .bearer_auth(&c)
        .json(&json!({"clientId": "r20", "body": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["code"], "rate_limited");
    assert!(v["retryAfterMs"].as_u64().unwrap() > 0);
    assert_eq!(
        n.count_messages().await,
        3 + 20,
        "the refused message is not stored"
    );
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

#[tokio::test]
async fn a_full_persistence_queue_answers_overloaded_and_stores_nothing_half() {
    let n = TestNode::start_with(|c| {
        c.persist_max_pending = 1;
        c.rate_limit_messages = 10_000;
    })
    .await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    let before = n.count_messages().await;
    let ids: Vec<String> = (0..100).map(|i| format!("o{i}")).collect();
    let results =
        futures_util::future::join_all(ids.iter().map(|id| n.send(&c, &conv, id, "burst"))).await;
    let ok = results.iter().filter(|(s, _)| *s == 201).count();
    let overloaded: Vec<_> = results.iter().filter(|(s, _)| *s == 503).collect();
    assert_eq!(ok + overloaded.len(), 100, "only 201 or 503: {results:?}");
    assert!(
        !overloaded.is_empty(),
        "a queue of one must refuse some of 100 concurrent sends"
    );
    assert_eq!(overloaded[0].1["code"], "overloaded");
    assert_eq!(
        n.count_messages().await,
        before + ok as i64,
        "every 201 stored, every 503 not"
    );
    n.stop().await;
}

#[tokio::test]
async fn multipart_uploads_keycap_reactions_and_refused_sends_use_no_slot() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 4, 0, 0, 0, 5, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let mut body = b"--b0undary\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhi\r\n--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    body.extend_from_slice(&png);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            a["mimeType"].as_str(),
            a["sizeBytes"].as_i64(),
            a["width"].as_i64()
        ),
        (Some("image/png"), Some(png.len() as i64), Some(4))
    );
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body("--b0undary--")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    let (_, m) = n.send(&c, &conv, "k", "react to me").await;
    let id = m["id"].as_str().unwrap();
    let (s, r) = n
        .call(
            Method::PUT,
            &format!("/api/v1/messages/{id}/reactions/1%EF%B8%8F%E2%83%A3"),
            Some(&c),
            None,
        )
        .await;
    assert_eq!(
        (s, r["reactions"][0]["emoji"].as_str()),
        (200, Some("1\u{fe0f}\u{20e3}"))
    );

    // 30 refused sends (empty bodies) use no slot: 19 more real ones still go through.
    for i in 0..30 {
        assert_eq!(n.send(&c, &conv, &format!("e{i}"), "  ").await.0, 400);
    }
    for i in 0..19 {
        assert_eq!(
            n.send(&c, &conv, &format!("ok{i}"), "x").await.0,
            201,
            "send {i}"
        );
    }
    assert_eq!(n.send(&c, &conv, "over", "x").await.0, 429);
    n.stop().await;
}
