//! Messages over REST against a real node and Postgres: send, history, idempotency, read
//! receipts, edit, delete, reactions, the rate limit and the persistence bound.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn send_history_idempotency_and_sanitising() {
    let n = TestNode::start().await;
    let t = n.customer(100);
    let conv = n.open(&t, 1).await;
    let (s, first) = n
        .send(&t, &conv, "c-1", "<b>Hello</b> <script>x</script>")
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        first["body"], "<b>Hello</b> <script>x</script>",
        "plain text, stored as typed"
    );
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
