//! WebSocket and SSE against a real node: delivery both ways, msgpack, typing, presence,
//! resume, slow consumers, and the 401 before any upgrade.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn unauthenticated_upgrade_is_401() {
    let n = TestNode::start().await;
    let err = tokio_tungstenite::connect_async(n.ws.clone())
        .await
        .unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(r) => assert_eq!(r.status().as_u16(), 401),
        other => panic!("expected 401, got {other:?}"),
    }
    n.stop().await;
}

#[tokio::test]
async fn customer_and_agent_exchange_over_websocket() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let a = n.agent(2001, 1);
    let conv = n.open(&c, 1).await;
    let mut cw = ws_connect(&n, &c).await;
    let mut aw = ws_connect(&n, &a).await;
    let mut cw2 = ws_connect(&n, &c).await; // the customer's second tab
    ws_send(&mut cw, json!({"type": "message.send", "conversationId": conv, "clientId": "k1", "body": "hello agent"})).await;
    let ack = next_of(&mut cw, "message.ack").await;
    assert_eq!(ack["clientId"], "k1");
    let got = next_of(&mut aw, "message.new").await;
    assert_eq!(
        (
            got["message"]["body"].as_str(),
            got["message"]["id"].clone()
        ),
        (Some("hello agent"), ack["message"]["id"].clone())
    );
    let tab = next_of(&mut cw2, "message.new").await;
    assert_eq!(tab["message"]["clientId"], "k1");

    ws_send(&mut aw, json!({"type": "message.send", "conversationId": conv, "clientId": "k2", "body": "hi, Alice here"})).await;
    next_of(&mut aw, "message.ack").await;
    let got = next_of(&mut cw, "message.new").await;
    assert_eq!(
        next_of(&mut cw, "unread").await["count"],
        1,
        "the customer's badge rises"
    );
    assert_eq!(
        (
            got["message"]["sender"]["name"].as_str(),
            got["message"]["sender"]["role"].as_str()
        ),
        (Some("Alice"), Some("AGENT"))
    );

    // typing starts for the others and expires after 5 s without renewal
    ws_send(
        &mut cw,
        json!({"type": "typing", "conversationId": conv, "isTyping": true}),
    )
    .await;
    let t = next_of(&mut aw, "typing").await;
    assert_eq!(
        (t["isTyping"].as_bool(), t["userId"].as_str()),
        (Some(true), Some("100"))
    );
    let t = next_of(&mut aw, "typing").await;
    assert_eq!(t["isTyping"], false, "typing expires");

    // read receipt: the reader's sessions get unread 0, the others get read
    let mid = got["message"]["id"].clone();
    ws_send(
        &mut cw,
        json!({"type": "read", "conversationId": conv, "messageId": mid}),
    )
    .await;
    assert_eq!(next_of(&mut cw, "unread").await["count"], 0);
    assert_eq!(next_of(&mut aw, "read").await["userId"], "100");

    // bad frames get an error with ref and the socket stays open
    ws_send(
        &mut cw,
        json!({"type": "message.send", "conversationId": "999999", "clientId": "k3", "body": "x"}),
    )
    .await;
    let e = next_of(&mut cw, "error").await;
    assert_eq!(
        (e["code"].as_str(), e["ref"].as_str()),
        (Some("not_found"), Some("k3"))
    );
    cw.send(WsMessage::Text("{nonsense".into())).await.unwrap();
    assert_eq!(next_of(&mut cw, "error").await["code"], "bad_request");
    ws_send(&mut cw, json!({"type": "ping"})).await;
    next_of(&mut cw, "pong").await;
    n.stop().await;
}

#[tokio::test]
async fn msgpack_round_trip_and_presence() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let a = n.agent(2001, 1);
    let conv = n.open(&c, 1).await;
    let mut aw = ws_connect(&n, &a).await;
    let mut req = format!("{}?access_token={c}", n.ws)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "servihub.v1.msgpack".parse().unwrap(),
    );
    let (mut mw, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        resp.headers()["sec-websocket-protocol"],
        "servihub.v1.msgpack"
    );
    assert_eq!(next_event(&mut mw).await["type"], "hello");
    let p = next_of(&mut aw, "presence").await;
    assert_eq!(
        (p["userId"].as_str(), p["status"].as_str()),
        (Some("100"), Some("online"))
    );
    let frame = json!({"type": "message.send", "conversationId": conv, "clientId": "mp1", "body": "packed"});
    mw.send(WsMessage::Binary(
        rmp_serde::to_vec_named(&frame).unwrap().into(),
    ))
    .await
    .unwrap();
    let ack = next_of(&mut mw, "message.ack").await;
    assert_eq!(ack["message"]["body"], "packed");
    mw.send(WsMessage::Text("{}".into())).await.unwrap();
    assert_eq!(next_of(&mut mw, "error").await["code"], "bad_request");
    // a second tab keeps the user online; closing both makes it offline
    let mut second = ws_connect(&n, &c).await;
    mw.close(None).await.unwrap();
    second.send(WsMessage::Close(None)).await.unwrap();
    let p = next_of(&mut aw, "presence").await;
    assert_eq!(p["status"], "offline");
    assert!(p["lastSeenAt"].is_string());
    n.stop().await;
}

#[tokio::test]
async fn resume_recovers_everything_in_order() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let a = n.agent(2001, 1);
    let conv = n.open(&c, 1).await;
    let (_, first) = n.send(&c, &conv, "s0", "before").await;
    // concurrent writers into one conversation while nobody listens
    let sends = (0..15).map(|i| {
        let t = if i % 2 == 0 { c.clone() } else { a.clone() };
        let conv = conv.clone();
        let n = &n;
        async move { n.send(&t, &conv, &format!("w{i}"), &format!("m{i}")).await }
    });
    for (s, _) in futures_util::future::join_all(sends).await {
        assert_eq!(s, 201);
    }
    let mut cw = ws_connect(&n, &c).await;
    ws_send(
        &mut cw,
        json!({"type": "resume", "conversationId": conv, "afterId": first["id"]}),
    )
    .await;
    let mut ids = Vec::new();
    loop {
        let e = next_event(&mut cw).await;
        match e["type"].as_str() {
            Some("message.new") => {
                ids.push(e["message"]["id"].as_str().unwrap().parse::<i64>().unwrap())
            }
            Some("resume.done") => {
                assert_eq!(
                    e["lastId"].as_str().unwrap().parse::<i64>().unwrap(),
                    *ids.last().unwrap()
                );
                break;
            }
            _ => {}
        }
    }
    assert_eq!(ids.len(), 15);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in order, no duplicate: {ids:?}"
    );
    n.stop().await;
}

#[tokio::test]
async fn sse_receives_rest_sends_and_replays_with_last_event_id() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let a = n.agent(2001, 1);
    let conv = n.open(&c, 1).await;
    let mut stream = n
        .http
        .get(n.url("/api/v1/events"))
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    n.send(&c, &conv, "e1", "over sse").await;
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !buf.contains("over sse") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("event in time")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    let id_line = buf
        .lines()
        .find(|l| l.starts_with("id: "))
        .unwrap()
        .trim_start_matches("id: ")
        .to_string();
    assert!(buf.contains("event: message.new"));
    drop(stream);
    n.send(&c, &conv, "e2", "missed while away").await;
    let mut stream = n
        .http
        .get(n.url("/api/v1/events"))
        .bearer_auth(&a)
        .header("last-event-id", id_line)
        .send()
        .await
        .unwrap();
    let mut buf = String::new();
    while !buf.contains("missed while away") {
        let chunk = tokio::time::timeout_at(deadline + Duration::from_secs(5), stream.chunk())
            .await
            .expect("replay in time")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(!buf.contains("over sse"), "what was seen is not replayed");
    n.stop().await;
}

#[tokio::test]
async fn bad_frames_get_errors_and_abuse_or_oversize_closes() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let other = n.customer(101);
    let conv = n.open(&c, 1).await;
    let (_, m) = n.send(&c, &conv, "mine", "original").await;
    let mut ow = ws_connect(&n, &other).await;
    // editing someone else's message: forbidden, with the frame's clientId as ref
    ws_send(
        &mut ow,
        json!({"type": "message.edit", "messageId": m["id"], "body": "hijack", "clientId": "e1"}),
    )
    .await;
    let e = next_of(&mut ow, "error").await;
    assert_eq!(
        (e["code"].as_str(), e["ref"].as_str()),
        (Some("forbidden"), Some("e1"))
    );
    // missing fields and unknown types are bad requests; the socket stays open
    ws_send(
        &mut ow,
        json!({"type": "message.send", "conversationId": conv}),
    )
    .await;
    assert_eq!(next_of(&mut ow, "error").await["code"], "bad_request");
    ws_send(&mut ow, json!({"type": "launch.rockets"})).await;
    assert_eq!(next_of(&mut ow, "error").await["code"], "bad_request");
    ws_send(&mut ow, json!({"type": "ping"})).await;
    next_of(&mut ow, "pong").await;
    // repeated abuse: closed with 1008
    for _ in 0..10 {
        ow.send(WsMessage::Text("garbage".into())).await.unwrap();
    }
    assert_eq!(next_of(&mut ow, "closed").await["code"], 1008);
    // a message over 64 KiB: closed with 1009, nothing stored
    let before = n.count_messages().await;
    let mut cw = ws_connect(&n, &c).await;
    let huge = json!({"type": "message.send", "conversationId": conv, "clientId": "big", "body": "x".repeat(70 * 1024)});
    let _ = cw.send(WsMessage::Text(huge.to_string().into())).await;
    assert_eq!(next_of(&mut cw, "closed").await["code"], 1009);
    assert_eq!(n.count_messages().await, before);
    // the message is untouched
    let (_, page) = n
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&c),
            None,
        )
        .await;
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["body"] == "original"));
    n.stop().await;
}

#[tokio::test]
async fn typing_renewal_keeps_the_indicator_alive() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    let mut aw = ws_connect(&n, &n.agent(2001, 1)).await;
    let mut cw = ws_connect(&n, &c).await;
    let started = tokio::time::Instant::now();
    ws_send(
        &mut cw,
        json!({"type": "typing", "conversationId": conv, "isTyping": true}),
    )
    .await;
    assert_eq!(next_of(&mut aw, "typing").await["isTyping"], true);
    tokio::time::sleep(Duration::from_secs(3)).await;
    ws_send(
        &mut cw,
        json!({"type": "typing", "conversationId": conv, "isTyping": true}),
    )
    .await;
    assert_eq!(
        next_of(&mut aw, "typing").await["isTyping"],
        true,
        "renewed"
    );
    assert_eq!(next_of(&mut aw, "typing").await["isTyping"], false);
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(8),
        "expired 5 s after the renewal, not the start: {elapsed:?}"
    );
    // an explicit stop is sent at once
    ws_send(
        &mut cw,
        json!({"type": "typing", "conversationId": conv, "isTyping": true}),
    )
    .await;
    next_of(&mut aw, "typing").await;
    ws_send(
        &mut cw,
        json!({"type": "typing", "conversationId": conv, "isTyping": false}),
    )
    .await;
    assert_eq!(next_of(&mut aw, "typing").await["isTyping"], false);
    n.stop().await;
}
