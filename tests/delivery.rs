//! Fan-out paths: community broadcast, new conversations to staff, WebSocket ↔ SSE, the rate
//! limit across transports, and the slow-consumer policy on a reader that stops reading.

mod common;

use common::*;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn community_announcements_reach_opted_in_customers_only() {
    let n = TestNode::start().await;
    let (fan, other) = (n.customer(100), n.customer(101));
    assert_eq!(
        n.call(
            Method::PUT,
            "/api/v1/businesses/1/community/subscription",
            Some(&fan),
            None
        )
        .await
        .0,
        204
    );
    let agent = n.agent(2001, 1);
    let (_, community) = n
        .call(
            Method::GET,
            "/api/v1/businesses/1/community",
            Some(&agent),
            None,
        )
        .await;
    let conv = community["id"].as_str().unwrap().to_string();
    let mut fan_ws = ws_connect(&n, &fan).await;
    let mut other_ws = ws_connect(&n, &other).await;
    let mut agent_ws = ws_connect(&n, &agent).await;
    let before = n.count_messages().await;
    ws_send(&mut agent_ws, json!({"type": "message.send", "conversationId": conv, "clientId": "ann1", "body": "Spring sale!"})).await;
    next_of(&mut agent_ws, "message.ack").await;
    let got = next_of(&mut fan_ws, "message.new").await;
    assert_eq!(got["message"]["body"], "Spring sale!");
    // The other customer gets nothing: the next thing it sees is the answer to its own ping.
    ws_send(&mut other_ws, json!({"type": "ping"})).await;
    loop {
        let e = next_event(&mut other_ws).await;
        assert_ne!(e["type"], "message.new", "not subscribed: {e}");
        if e["type"] == "pong" {
            break;
        }
    }
    assert_eq!(
        n.count_messages().await,
        before + 1,
        "one row per announcement, not per recipient"
    );
    // Opting in while connected takes effect at once; opting out too.
    assert_eq!(
        n.call(
            Method::PUT,
            "/api/v1/businesses/1/community/subscription",
            Some(&other),
            None
        )
        .await
        .0,
        204
    );
    ws_send(&mut agent_ws, json!({"type": "message.send", "conversationId": conv, "clientId": "ann2", "body": "Second"})).await;
    assert_eq!(
        next_of(&mut other_ws, "message.new").await["message"]["body"],
        "Second"
    );
    n.stop().await;
}

#[tokio::test]
async fn staff_learn_of_new_conversations_and_sse_and_ws_mix() {
    let n = TestNode::start().await;
    let agent = n.agent(2001, 1);
    let mut agent_ws = ws_connect(&n, &agent).await;
    let customer = n.customer(150);
    let conv = n.open(&customer, 1).await;
    let e = next_of(&mut agent_ws, "conversation.new").await;
    assert_eq!(e["conversation"]["id"], conv.as_str());
    // The customer listens over SSE and sends over REST; the agent uses WebSocket.
    let mut sse = n
        .http
        .get(n.url("/api/v1/events"))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    ws_send(&mut agent_ws, json!({"type": "message.send", "conversationId": conv, "clientId": "w1", "body": "from ws"})).await;
    next_of(&mut agent_ws, "message.ack").await;
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !buf.contains("from ws") {
        let chunk = tokio::time::timeout_at(deadline, sse.chunk())
            .await
            .expect("in time")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    n.send(&customer, &conv, "r1", "from rest").await;
    assert_eq!(
        next_of(&mut agent_ws, "message.new").await["message"]["body"],
        "from rest"
    );
    // typing over REST reaches the WebSocket side
    n.call(
        Method::POST,
        &format!("/api/v1/conversations/{conv}/typing"),
        Some(&customer),
        Some(json!({"isTyping": true})),
    )
    .await;
    assert_eq!(next_of(&mut agent_ws, "typing").await["userId"], "150");
    n.stop().await;
}

#[tokio::test]
async fn the_rate_limit_counts_rest_and_websocket_together() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    for i in 0..10 {
        assert_eq!(n.send(&c, &conv, &format!("rest{i}"), "x").await.0, 201);
    }
    let mut ws = ws_connect(&n, &c).await;
    for i in 0..10 {
        ws_send(&mut ws, json!({"type": "message.send", "conversationId": conv, "clientId": format!("ws{i}"), "body": "y"})).await;
        next_of(&mut ws, "message.ack").await;
    }
    ws_send(
        &mut ws,
        json!({"type": "message.send", "conversationId": conv, "clientId": "ws-over", "body": "z"}),
    )
    .await;
    let e = next_of(&mut ws, "error").await;
    assert_eq!(
        (e["code"].as_str(), e["ref"].as_str()),
        (Some("rate_limited"), Some("ws-over"))
    );
    assert!(e["retryAfterMs"].as_u64().unwrap() > 0);
    assert_eq!(n.count_messages().await, 3 + 20);
    n.stop().await;
}

#[tokio::test]
async fn a_stalled_reader_is_closed_with_1013_while_others_keep_receiving() {
    let n = TestNode::start_with(|c| c.rate_limit_messages = 100_000).await;
    let c = n.customer(100);
    let agent = n.agent(2001, 1);
    let conv = n.open(&c, 1).await;
    // A reader with a tiny receive window that stops reading after the handshake.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let addr = n.base.trim_start_matches("http://").parse().unwrap();
    let stream = socket.connect(addr).await.unwrap();
    let req = format!("{}?access_token={agent}", n.ws)
        .into_client_request()
        .unwrap();
    let (mut stalled, _) = tokio_tungstenite::client_async(req, stream).await.unwrap();
    let mut healthy = ws_connect(&n, &agent).await;
    let total = 1500;
    let reader = tokio::spawn(async move {
        let mut seen = 0;
        while seen < total {
            if next_event(&mut healthy).await["type"] == "message.new" {
                seen += 1;
            }
        }
        seen
    });
    let body = "x".repeat(4000);
    for chunk in (0..total).collect::<Vec<_>>().chunks(50) {
        let ids: Vec<String> = chunk.iter().map(|i| format!("f{i}")).collect();
        let sends = ids.iter().map(|id| n.send(&c, &conv, id, &body));
        for (s, _) in futures_util::future::join_all(sends).await {
            assert_eq!(s, 201);
        }
    }
    assert_eq!(
        reader.await.unwrap(),
        total,
        "the healthy reader got everything"
    );
    // Draining the stalled socket now ends in the server's close frame with 1013.
    let code = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(msg) = stalled.next().await {
            match msg {
                Ok(WsMessage::Close(f)) => return f.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the stalled socket ends");
    assert_eq!(code, Some(1013));
    n.stop().await;
}
