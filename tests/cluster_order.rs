//! Several persistence batches in flight on each of two nodes, both writing one conversation:
//! every writer's messages keep their order, every node fans a conversation out in id order,
//! a forward pager and `resume` see every id with no gap, and a clientId retried on the other
//! node during the storm returns the first message.

mod common;

use common::cluster::*;
use common::*;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

const PER_WRITER: usize = 40;

fn id_of(v: &Value) -> i64 {
    v["id"].as_str().unwrap().parse().unwrap()
}

/// Sends `PER_WRITER` messages without waiting, then collects the acks (in arrival order).
async fn burst(mut ws: Ws, conv: String, tag: String) -> Vec<(String, i64)> {
    for i in 0..PER_WRITER {
        ws_send(&mut ws, send(&conv, &format!("{tag}-{i:03}"), "storm")).await;
    }
    let mut acks = Vec::with_capacity(PER_WRITER);
    while acks.len() < PER_WRITER {
        let e = next_event(&mut ws).await;
        assert_ne!(e["type"], "error", "{e}");
        if e["type"] == "message.ack" {
            let client = e["clientId"].as_str().unwrap().to_string();
            acks.push((client, id_of(&e["message"])));
        }
    }
    acks
}

/// `message.new` events of `conv` seen by `ws` until `n` have arrived: (sender id, message id).
async fn watch(mut ws: Ws, conv: String, n: usize) -> Vec<(String, i64)> {
    let mut seen = Vec::with_capacity(n);
    while seen.len() < n {
        let e = next_event(&mut ws).await;
        if e["type"] == "message.new" && e["message"]["conversationId"] == conv.as_str() {
            let sender = e["message"]["senderId"].as_str().unwrap().to_string();
            seen.push((sender, id_of(&e["message"])));
        }
    }
    seen
}

#[tokio::test]
async fn two_nodes_with_several_batches_in_flight_keep_order_and_resume_has_no_gap() {
    let env = [
        ("PERSIST_LANES", "4"),
        ("DATABASE_POOL_SIZE", "8"),
        ("RATE_LIMIT_MESSAGES", "100000"),
    ];
    let cl = Cluster::start(2, REDIS, &env).await;
    cl.ready().await;
    let (a, b) = (&cl.nodes[0], &cl.nodes[1]);

    // The shared conversation: its customer and an agent write through A, two agents through B.
    let cust = a.api.customer(101);
    let shared = a.api.open(&cust, 1).await;
    let writers = [
        (a, cust.clone(), "101"),
        (a, a.api.agent(2002, 1), "2002"),
        (b, b.api.agent(2001, 1), "2001"),
        (b, b.api.agent(2003, 1), "2003"),
    ];
    // Other conversations keep the other lanes of both nodes busy at the same time.
    let mut others = Vec::new();
    for (i, user) in (110..118).enumerate() {
        let node = if i % 2 == 0 { a } else { b };
        let token = node.api.customer(user);
        let conv = node.api.open(&token, 1 + (i as i64 % 3)).await;
        others.push((node, token, conv, format!("o{user}")));
    }
    // A colleague watches the shared conversation on each node.
    let total = writers.len() * PER_WRITER;
    let watchers = [
        ws_connect_to(a, &a.api.agent(2004, 1)).await,
        ws_connect_to(b, &b.api.agent(2005, 1)).await,
    ];
    let mut sockets = Vec::new();
    for (node, token, tag) in &writers {
        let ws = ws_connect_to(node, token).await;
        sockets.push((ws, shared.clone(), tag.to_string()));
    }
    for (node, token, conv, tag) in &others {
        sockets.push((ws_connect_to(node, token).await, conv.clone(), tag.clone()));
    }
    settle().await;
    let watching: Vec<_> = watchers
        .into_iter()
        .map(|ws| tokio::spawn(watch(ws, shared.clone(), total)))
        .collect();

    // A reader pages forward with `after=` on B while the storm runs.
    let done = AtomicBool::new(false);
    let reader = b.api.agent(2006, 1);
    let read = async {
        let mut seen: Vec<i64> = Vec::new();
        let mut finished = false;
        loop {
            let after = seen.last().copied().unwrap_or(0);
            let path = format!("/api/v1/conversations/{shared}/messages?after={after}&limit=200");
            let (_, page) = b.api.call(Method::GET, &path, Some(&reader), None).await;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            seen.extend(items.iter().map(id_of));
            if finished {
                return seen;
            }
            finished = done.load(Ordering::SeqCst);
        }
    };
    let storm = async {
        let bursts = sockets
            .into_iter()
            .map(|(ws, conv, tag)| tokio::spawn(burst(ws, conv, tag)));
        // Mid-storm, the customer's first clientId is retried through the other node.
        let retry = async {
            tokio::time::sleep(std::time::Duration::from_millis(30)).await;
            b.api.send(&cust, &shared, "101-000", "retried").await
        };
        let (acks, retried) = tokio::join!(join_all(bursts), retry);
        done.store(true, Ordering::SeqCst);
        let acks: Vec<Vec<(String, i64)>> = acks.into_iter().map(|r| r.unwrap()).collect();
        (acks, retried)
    };
    let (seen, (acks, retried)) = tokio::join!(read, storm);

    // Each writer's acks come in send order, with increasing ids: per-conversation order holds
    // for every writer, on both nodes and in every lane.
    let mut by_client: HashMap<String, i64> = HashMap::new();
    for writer in &acks {
        let clients: Vec<&str> = writer.iter().map(|(c, _)| c.as_str()).collect();
        let mut sorted = clients.clone();
        sorted.sort();
        assert_eq!(clients, sorted, "acks in send order");
        assert!(writer.windows(2).all(|w| w[0].1 < w[1].1), "{writer:?}");
        by_client.extend(writer.iter().cloned());
    }
    // The retry on the other node returned the first message, not a new one.
    let (status, first) = retried;
    assert!(status == 200 || status == 201, "{status} {first}");
    assert_eq!(id_of(&first), by_client["101-000"], "{first}");

    let all: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, client_id FROM messages WHERE conversation_id = $1 ORDER BY id")
            .bind(shared.parse::<i64>().unwrap())
            .fetch_all(&cl.pool)
            .await
            .unwrap();
    assert_eq!(
        all.len(),
        total,
        "one row per clientId, the retry stored nothing"
    );
    let ids: Vec<i64> = all.iter().map(|(id, _)| *id).collect();
    assert_eq!(seen, ids, "a forward pager saw every id, in order");

    // Every node fans out in id order what it stored; what crosses from the other node arrives
    // in that node's id order too.
    let local_to_a = ["101", "2002"];
    for (node, w) in ["a", "b"].iter().zip(watching) {
        let got = w.await.unwrap();
        assert_eq!(got.len(), total, "node {node} delivered every message");
        for origin in [true, false] {
            let from: Vec<i64> = got
                .iter()
                .filter(|(s, _)| local_to_a.contains(&s.as_str()) == origin)
                .map(|(_, id)| *id)
                .collect();
            assert!(
                from.windows(2).all(|p| p[0] < p[1]),
                "node {node}, writers on A = {origin}: {from:?}"
            );
        }
    }

    // `resume` from the start, and from the middle, on A replays the same sequence.
    let mut ws = ws_connect_to(a, &cust).await;
    let resumed: Vec<i64> = resume(&mut ws, &shared, &serde_json::json!("0"))
        .await
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(resumed, ids);
    let mid = ids[ids.len() / 2];
    let tail: Vec<i64> = resume(&mut ws, &shared, &serde_json::json!(mid.to_string()))
        .await
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(tail, ids[ids.len() / 2 + 1..].to_vec());

    // The other conversations kept their writers' order too.
    for (_, _, conv, tag) in &others {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT client_id FROM messages WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(conv.parse::<i64>().unwrap())
        .fetch_all(&cl.pool)
        .await
        .unwrap();
        let want: Vec<String> = (0..PER_WRITER).map(|i| format!("{tag}-{i:03}")).collect();
        assert_eq!(rows, want);
    }

    // The lanes really overlapped: some node had more than one batch committing at once.
    let mut peaks = Vec::new();
    for node in &cl.nodes {
        let line = node.metric_lines("chat_persistence_in_flight_max").await;
        let peak: f64 = line
            .split_whitespace()
            .last()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        peaks.push(peak);
    }
    assert!(
        peaks.iter().any(|p| *p >= 2.0),
        "in flight at most {peaks:?}"
    );
    cl.cleanup().await;
}
