//! A cluster as real node processes on loopback ports, sharing one fresh database and Redis:
//! events, presence and the rate limit cross nodes both ways, and writers on several nodes never
//! make `resume` skip. Faults (Redis restarts, SIGKILL, SIGTERM) are in `cluster_faults.rs`.

mod common;

use common::cluster::*;
use common::*;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn messages_typing_reads_and_presence_cross_nodes_both_ways() {
    let cl = Cluster::start(3, REDIS, &[]).await;
    cl.ready().await;
    let (a, b, c) = (&cl.nodes[0], &cl.nodes[1], &cl.nodes[2]);
    let cust = a.api.customer(100);
    let agent = b.api.agent(2001, 1);
    let conv = a.api.open(&cust, 1).await;
    let mut aw = ws_connect_to(b, &agent).await;
    let mut cw = ws_connect_to(a, &cust).await;
    // Presence both ways: the agent on B learns the customer on A came online; the customer's
    // snapshot on A includes the agent on B.
    next_matching(&mut aw, "presence", presence_of("100", "online")).await;
    next_matching(&mut cw, "presence", presence_of("2001", "online")).await;
    settle().await;

    // A colleague follows the inbox over SSE on node C.
    let mut sse = c.api.http.get(c.api.url("/api/v1/events"));
    sse = sse.bearer_auth(c.api.agent(2003, 1));
    let mut sse = sse.send().await.unwrap();
    settle().await;
    ws_send(&mut cw, send(&conv, "a1", "from A")).await;
    let ack = next_of(&mut cw, "message.ack").await;
    let got = next_of(&mut aw, "message.new").await;
    assert_eq!(got["message"]["id"], ack["message"]["id"], "A → B");
    let mut buf = String::new();
    while !buf.contains("from A") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), sse.chunk()).await;
        buf.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap().unwrap()));
    }
    assert!(buf.contains("event: message.new"), "A → C over SSE");
    drop(sse);
    ws_send(&mut aw, send(&conv, "b1", "from B")).await;
    next_of(&mut aw, "message.ack").await;
    let got = next_of(&mut cw, "message.new").await;
    assert_eq!(got["message"]["body"], "from B", "B → A");
    let from_b = got["message"]["id"].clone();
    assert_eq!(
        cl.outbox_rows(100).await,
        0,
        "the customer is online on another node: no offline notification"
    );

    let typing = |on| json!({"type": "typing", "conversationId": conv, "isTyping": on});
    ws_send(&mut cw, typing(true)).await;
    let t = next_matching(&mut aw, "typing", |e| e["isTyping"] == true).await;
    assert_eq!(t["userId"], "100");
    ws_send(&mut aw, typing(true)).await;
    let t = next_matching(&mut cw, "typing", |e| e["isTyping"] == true).await;
    assert_eq!(t["userId"], "2001");

    ws_send(
        &mut cw,
        json!({"type": "read", "conversationId": conv, "messageId": from_b}),
    )
    .await;
    let r = next_of(&mut aw, "read").await;
    assert_eq!(
        (r["userId"].as_str(), &r["messageId"]),
        (Some("100"), &from_b)
    );
    ws_send(
        &mut aw,
        json!({"type": "read", "conversationId": conv, "messageId": ack["message"]["id"]}),
    )
    .await;
    assert_eq!(next_of(&mut cw, "read").await["userId"], "2001");

    // A second tab on C: both tabs get the agent's reply; offline only when both close.
    let mut cw2 = ws_connect_to(c, &cust).await;
    settle().await;
    ws_send(&mut aw, send(&conv, "b2", "to both tabs")).await;
    for ws in [&mut cw, &mut cw2] {
        let e = next_matching(ws, "message.new", |e| e["message"]["clientId"] == "b2").await;
        assert_eq!(e["message"]["body"], "to both tabs");
    }
    cw.close(None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    none_before_pong(&mut aw, "presence", presence_of("100", "offline")).await;
    cw2.close(None).await.unwrap();
    let off = next_matching(&mut aw, "presence", presence_of("100", "offline")).await;
    assert!(off["lastSeenAt"].is_string(), "{off}");
    ws_send(&mut aw, send(&conv, "b3", "while you were away")).await;
    next_of(&mut aw, "message.ack").await;
    assert_eq!(cl.outbox_rows(100).await, 1, "offline everywhere: notified");

    // Garbage on a subscribed channel is counted and ignored; delivery goes on.
    let garbage: [&[u8]; 2] = [b"not msgpack", &[0x92, 0x01, 0x02]];
    publish(&format!("{}:biz:1", cl.prefix), &garbage).await;
    publish(&format!("{}:cluster", cl.prefix), &[b"{\"json\":1}"]).await;
    assert_eq!(c.api.send(&cust, &conv, "c1", "still here").await.0, 201);
    let e = next_matching(&mut aw, "message.new", |e| e["message"]["clientId"] == "c1").await;
    assert_eq!(e["message"]["body"], "still here", "C → B after garbage");
    let metrics = b.metric_lines("chat_bridge_rejected_total").await;
    assert!(
        metrics.contains("chat_bridge_rejected_total{reason=\"malformed\"} 3"),
        "{metrics}"
    );
    cl.cleanup().await;
}

#[tokio::test]
async fn a_community_announcement_from_a_reaches_customers_on_b_and_c() {
    let cl = Cluster::start(3, REDIS, &[]).await;
    cl.ready().await;
    let (a, b, c) = (&cl.nodes[0], &cl.nodes[1], &cl.nodes[2]);
    let agent = a.api.agent(2001, 1);
    let path = "/api/v1/businesses/1/community";
    let (_, community) = a.api.call(Method::GET, path, Some(&agent), None).await;
    let conv = community["id"].as_str().unwrap().to_string();
    let mut aw = ws_connect_to(a, &agent).await;
    // One fan opted in before connecting; the other opts in through node A while its socket
    // is on node C: its sessions on C must follow.
    let (fan_b, fan_c) = (b.api.customer(100), c.api.customer(101));
    let sub = "/api/v1/businesses/1/community/subscription";
    assert_eq!(
        b.api.call(Method::PUT, sub, Some(&fan_b), None).await.0,
        204
    );
    let mut fans = vec![
        ws_connect_to(b, &fan_b).await,
        ws_connect_to(c, &fan_c).await,
    ];
    settle().await;
    assert_eq!(
        a.api.call(Method::PUT, sub, Some(&fan_c), None).await.0,
        204
    );
    settle().await;
    ws_send(&mut aw, send(&conv, "ann1", "Spring sale!")).await;
    next_of(&mut aw, "message.ack").await;
    for ws in &mut fans {
        let e = next_of(ws, "message.new").await;
        assert_eq!(e["message"]["body"], "Spring sale!");
    }
    assert_eq!(cl.messages_in(&conv).await, 1, "one row, not one per node");

    // Likewise a conversation opened through node B for a customer whose socket is on node C:
    // the agent on A learns of it, and the customer hears the agent's reply on C.
    let direct = b.api.open(&fan_c, 2).await;
    let agent2 = a.api.agent(2002, 2);
    let mut aw2 = ws_connect_to(a, &agent2).await;
    settle().await;
    ws_send(&mut aw2, send(&direct, "hi", "Welcome to Harbor Bakery")).await;
    next_of(&mut aw2, "message.ack").await;
    let e = next_matching(&mut fans[1], "message.new", |e| {
        e["message"]["conversationId"] == direct.as_str()
    })
    .await;
    assert_eq!(e["message"]["body"], "Welcome to Harbor Bakery");
    cl.cleanup().await;
}

#[tokio::test]
async fn the_limit_holds_across_nodes_and_writers_on_several_nodes_never_make_resume_skip() {
    let cl = Cluster::start(3, REDIS, &[]).await;
    cl.ready().await;
    let n = &cl.nodes;
    // 20 sends spread over three nodes fill the window; the 21st is refused on any node.
    let cust = n[0].api.customer(100);
    let conv = n[0].api.open(&cust, 1).await;
    for i in 0..20 {
        let (s, v) = n[i % 3].api.send(&cust, &conv, &format!("r{i}"), "x").await;
        assert_eq!(s, 201, "{v}");
    }
    for node in n {
        let (s, v) = node.api.send(&cust, &conv, "over", "x").await;
        assert_eq!((s, v["code"].as_str()), (429, Some("rate_limited")), "{v}");
        assert!(v["retryAfterMs"].as_u64().unwrap() > 0);
    }
    assert_eq!(cl.messages_in(&conv).await, 20);

    // Three writers on three nodes into one conversation, while a reader pages forward with
    // `after=` from a fourth vantage point: the ids it sees must be every id, in order.
    let writer = n[0].api.customer(101);
    let conv = n[0].api.open(&writer, 1).await;
    let writers = [
        (&n[0], writer.clone()),
        (&n[1], n[1].api.agent(2001, 1)),
        (&n[2], n[2].api.agent(2002, 1)),
    ];
    let done = std::sync::atomic::AtomicBool::new(false);
    let reader = n[1].api.agent(2003, 1);
    let read = async {
        let mut seen: Vec<i64> = Vec::new();
        let mut finished = false;
        loop {
            let after = seen.last().copied().unwrap_or(0);
            let path = format!("/api/v1/conversations/{conv}/messages?after={after}&limit=200");
            let (_, page) = n[1].api.call(Method::GET, &path, Some(&reader), None).await;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            seen.extend(
                items
                    .iter()
                    .map(|m| m["id"].as_str().unwrap().parse::<i64>().unwrap()),
            );
            if finished {
                return seen;
            }
            finished = done.load(std::sync::atomic::Ordering::SeqCst);
        }
    };
    let write = async {
        join_all(writers.iter().map(|(node, token)| async {
            for i in 0..15 {
                let (s, v) = node.api.send(token, &conv, &format!("w{i}"), "race").await;
                assert_eq!(s, 201, "{v}");
            }
        }))
        .await;
        done.store(true, std::sync::atomic::Ordering::SeqCst);
    };
    let (seen, ()) = tokio::join!(read, write);
    let all: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE conversation_id = $1 ORDER BY id")
            .bind(conv.parse::<i64>().unwrap())
            .fetch_all(&cl.pool)
            .await
            .unwrap();
    assert_eq!(all.len(), 45);
    assert_eq!(seen, all, "a forward pager saw every id, in order");
    // `resume` over WebSocket on the third node returns the same sequence.
    let mut ws = ws_connect_to(&n[2], &writer).await;
    let resumed = resume(&mut ws, &conv, &json!("0")).await;
    let resumed: Vec<i64> = resumed
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(resumed, all);
    cl.cleanup().await;
}
