//! Who hears what, end to end as people meet it: a customer new to a business opening the widget
//! while the business's agents are online, and a community whose subscribers never learn about
//! each other. Each flow runs over WebSocket and SSE.

mod common;

use common::flows::{is, newcomer_flow, unread, SECOND};
use common::{listen, TestNode, Transport};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn a_newcomer_and_the_agents_see_each_other_at_once_over_websocket() {
    let n = TestNode::start().await;
    newcomer_flow(&n.base, &n.base, &n, Transport::Ws).await;
    n.stop().await;
}

#[tokio::test]
async fn a_newcomer_and_the_agents_see_each_other_at_once_over_sse() {
    let n = TestNode::start().await;
    newcomer_flow(&n.base, &n.base, &n, Transport::Sse).await;
    n.stop().await;
}

/// An older widget that does not name its business: the conversation it opens makes the
/// customer one of the business's customers, live, on the session that is already open.
#[tokio::test]
async fn opening_a_conversation_makes_presence_follow_live() {
    let n = TestNode::start().await;
    let agent = n.agent(2001, 1);
    let mut inbox = listen(&n.base, &agent, None, Transport::Ws, None).await;
    let newcomer = n.customer(8888);
    let mut widget = listen(&n.base, &newcomer, None, Transport::Ws, None).await;
    inbox
        .quiet("presence", Duration::from_millis(300), is("userId", "8888"))
        .await;
    n.open(&newcomer, 1).await;
    inbox
        .expect("presence", SECOND, |e| {
            e["userId"] == "8888" && e["status"] == "online"
        })
        .await;
    widget
        .expect("presence", SECOND, |e| {
            e["userId"] == "2001" && e["status"] == "online"
        })
        .await;
    // Another business's agent hears nothing of it.
    let rival = n.agent(2101, 2);
    let mut other = listen(&n.base, &rival, None, Transport::Ws, None).await;
    other
        .quiet("presence", Duration::from_millis(300), is("userId", "8888"))
        .await;
    n.stop().await;
}

fn reactions_of(e: &Value) -> Value {
    e["message"]["reactions"].clone()
}

/// What a subscriber sees of the community: no other customer among its participants, and the
/// reactions of its first message (returned).
async fn check_private(n: &TestNode, viewer: &str, conv: &str) -> Value {
    let (s, c) = n
        .call(
            Method::GET,
            "/api/v1/businesses/1/community",
            Some(viewer),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let customers = c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == "CUSTOMER")
        .count();
    assert_eq!(customers, 0, "no subscriber is listed: {c}");
    let (_, page) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(viewer),
            None,
        )
        .await;
    page["items"][0]["reactions"].clone()
}

async fn community_flow(t: Transport) {
    let n = TestNode::start().await;
    let owner = n.owner(3001, 1);
    let (ann, bea) = (n.customer(7001), n.customer(7002));
    for c in [&ann, &bea] {
        let (s, _) = n
            .call(
                Method::PUT,
                "/api/v1/businesses/1/community/subscription",
                Some(c),
                None,
            )
            .await;
        assert_eq!(s, 204);
    }
    let (_, community) = n
        .call(
            Method::GET,
            "/api/v1/businesses/1/community",
            Some(&owner),
            None,
        )
        .await;
    let conv = community["id"].as_str().unwrap().to_string();
    let mut staff = listen(&n.base, &owner, None, t, None).await;
    let mut a = listen(&n.base, &ann, None, t, None).await;
    let mut b = listen(&n.base, &bea, None, t, None).await;

    let (s, first) = n
        .send(&owner, &conv, "c1", "Opening hours change on Monday")
        .await;
    assert_eq!(s, 201);
    let id = first["id"].as_str().unwrap().to_string();
    for s in [&mut a, &mut b] {
        s.expect("message.new", SECOND, |e| e["message"]["id"] == id.as_str())
            .await;
    }

    // Ann reacts and reads: Bea learns a count, never who; nobody hears Ann's read receipt.
    let (s, mine) = n
        .call(
            Method::PUT,
            &format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        mine["reactions"],
        json!([{"emoji": "👍", "userIds": ["7001"], "count": 1}])
    );
    let seen = b.expect("message.updated", SECOND, |_| true).await;
    assert_eq!(
        reactions_of(&seen),
        json!([{"emoji": "👍", "userIds": [], "count": 1}])
    );
    let staff_view = staff.expect("message.updated", SECOND, |_| true).await;
    assert_eq!(
        reactions_of(&staff_view),
        json!([{"emoji": "👍", "userIds": ["7001"], "count": 1}])
    );
    let (s, _) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/read"),
            Some(&ann),
            Some(json!({"messageId": id})),
        )
        .await;
    assert_eq!(s, 204);
    a.expect("unread", SECOND, unread(&conv, 0)).await;
    b.quiet("read", Duration::from_millis(300), |_| true).await;
    staff
        .quiet("read", Duration::from_millis(100), |_| true)
        .await;

    assert_eq!(
        check_private(&n, &bea, &conv).await,
        json!([{"emoji": "👍", "userIds": [], "count": 1}])
    );

    // Ann leaves: nothing more, by any path.
    let (s, _) = n
        .call(
            Method::DELETE,
            "/api/v1/businesses/1/community/subscription",
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(s, 204);
    n.send(&owner, &conv, "c2", "Second announcement").await;
    b.expect("message.new", SECOND, |e| e["message"]["clientId"] == "c2")
        .await;
    a.quiet("message.new", Duration::from_millis(300), |_| true)
        .await;
    for (method, path) in [
        (
            Method::GET,
            format!("/api/v1/conversations/{conv}/messages"),
        ),
        (Method::GET, format!("/api/v1/conversations/{conv}")),
        (
            Method::PUT,
            format!("/api/v1/messages/{id}/reactions/%E2%9D%A4%EF%B8%8F"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D"),
        ),
    ] {
        let (s, _) = n.call(method.clone(), &path, Some(&ann), None).await;
        assert_eq!(s, 403, "{method} {path} after unsubscribing");
    }
    let (s, _) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/read"),
            Some(&ann),
            Some(json!({"messageId": id})),
        )
        .await;
    assert_eq!(s, 403);
    // An SSE replay from before the first announcement brings Ann nothing of the community.
    let cursor = format!("v1.{}.", chrono::Utc::now().timestamp_millis() - 60_000);
    let mut replay = listen(&n.base, &ann, None, Transport::Sse, Some(&cursor)).await;
    replay
        .quiet("message.new", Duration::from_millis(500), |_| true)
        .await;

    // The rules hold after a restart, read from the database alone.
    let db = n.database_url.clone();
    drop((a, b, staff, replay));
    n.stop().await;
    let n = TestNode::start_on(&db, |_| {}).await;
    let (s, _) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&ann),
            None,
        )
        .await;
    assert_eq!(s, 403, "still out after a restart");
    assert_eq!(
        check_private(&n, &bea, &conv).await,
        json!([{"emoji": "👍", "userIds": [], "count": 1}])
    );
    let mut b = listen(&n.base, &bea, None, t, None).await;
    n.send(&owner, &conv, "c3", "After the restart").await;
    b.expect("message.new", SECOND, |e| e["message"]["clientId"] == "c3")
        .await;
    let rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM participants WHERE conversation_id = $1 AND role = 'CUSTOMER'",
    )
    .bind(conv.parse::<i64>().unwrap())
    .fetch_one(n.node.as_ref().unwrap().pool())
    .await
    .unwrap();
    assert_eq!(rows, 0, "reading never made anyone a participant");
    n.stop().await;
}

#[tokio::test]
async fn community_subscribers_never_learn_about_each_other_over_websocket() {
    community_flow(Transport::Ws).await;
}

#[tokio::test]
async fn community_subscribers_never_learn_about_each_other_over_sse() {
    community_flow(Transport::Sse).await;
}
