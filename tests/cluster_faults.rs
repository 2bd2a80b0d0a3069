//! Faults in a cluster of node processes: Redis down at start and restarted under load
//! (delivery resumes, `resume` recovers), a node SIGKILLed (its users go offline within the
//! presence bound, its clients lose nothing acked) and SIGTERMed (1001, drained, exit 0).

mod common;

use common::cluster::*;
use common::*;
use futures_util::SinkExt;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn redis_down_at_start_then_restarted_under_load_delivery_resumes_and_resume_recovers() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let env = [
        ("PRESENCE_TTL_MS", "2000"),
        ("RATE_LIMIT_MESSAGES", "100000"),
    ];
    let cl = Cluster::start(2, &url, &env).await;
    let (a, b) = (&cl.nodes[0], &cl.nodes[1]);
    // Redis is not there yet: the nodes serve, and say so on /ready.
    let (s, ready) = a.api.call(Method::GET, "/ready", None, None).await;
    assert_eq!((s, &ready["redis"]), (503, &json!(false)), "{ready}");
    let redis_proc = redis_server(port);
    cl.ready().await;

    let cust = a.api.customer(100);
    let conv = a.api.open(&cust, 1).await;
    let mut aw = ws_connect_to(b, &b.api.agent(2001, 1)).await;
    let mut cw = ws_connect_to(a, &cust).await;
    let mut tab = ws_connect_to(a, &cust).await;
    let staff2 = b.api.agent(2002, 1);
    let mut sse = listen(&b.api.base, &staff2, None, Transport::Sse, None).await;
    settle().await;
    ws_send(&mut cw, send(&conv, "k0", "before")).await;
    next_of(&mut cw, "message.ack").await;
    let last = next_of(&mut aw, "message.new").await["message"]["id"].clone();
    // Load through both nodes while Redis goes away and comes back.
    let loader = b.api.customer(101);
    let busy = b.api.open(&loader, 1).await;
    let bases = vec![a.api.base.clone(), b.api.base.clone()];
    let load = Load::start(bases, loader, busy.clone());
    load.more(10).await;

    redis_proc.kill();
    a.wait_for("/ready", 503, Duration::from_secs(10)).await;
    load.more(10).await;
    // Redis away: node A keeps serving its own users (the other tab gets every message).
    for i in 1..=3 {
        ws_send(
            &mut cw,
            send(&conv, &format!("k{i}"), &format!("during {i}")),
        )
        .await;
        next_of(&mut cw, "message.ack").await;
        let e = next_matching(&mut tab, "message.new", |e| {
            e["message"]["body"] != "before"
        })
        .await;
        assert_eq!(e["message"]["body"], format!("during {i}"));
    }

    let redis_proc = redis_server(port);
    cl.ready().await;
    // Events published while the subscription was down never reached B's sessions: B tells
    // them by closing with 1012, saying first from when they may have lost events (`resync`),
    // and the client reconnects and resumes from there.
    let resync = next_of(&mut aw, "resync").await;
    let since = chrono::DateTime::parse_from_rfc3339(resync["since"].as_str().unwrap()).unwrap();
    assert!(since <= chrono::Utc::now(), "{resync}");
    let closed = next_event(&mut aw).await;
    assert_eq!(closed["code"], 1012, "{closed}");
    let mut aw = ws_connect_to(b, &b.api.agent(2001, 1)).await;
    // An SSE stream ends after a `resync` whose id is a cursor with no per-conversation entry,
    // begun at the resync's time: a reconnect with it replays everything created since.
    sse.expect("resync", Duration::from_secs(15), |_| true)
        .await;
    let Events::Sse(stream) = &sse else {
        unreachable!("an SSE session")
    };
    let cursor = stream.last_id.clone().expect("the resync carries a cursor");
    assert!(
        cursor.starts_with("v1.") && cursor.ends_with('.'),
        "{cursor}"
    );
    let mut cw = {
        let closed = next_of(&mut cw, "closed").await;
        assert_eq!(closed["code"], 1012, "{closed}");
        ws_connect_to(a, &cust).await
    };
    settle().await;
    load.more(10).await;
    let acked = load.finish().await;
    // What crossed live is not the point: drop it, then ask Postgres through `resume`.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drain(&mut aw).await;
    let stored: Vec<i64> = resume(&mut aw, &busy, &json!("0"))
        .await
        .iter()
        .map(|m| m["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        stored, acked,
        "every acked send under the outage is recovered, in order"
    );
    let missed = resume(&mut aw, &conv, &last).await;
    let missed: Vec<&str> = missed.iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(missed, ["during 1", "during 2", "during 3"]);
    let mut sse = listen(&b.api.base, &staff2, None, Transport::Sse, Some(&cursor)).await;
    for i in 1..=3 {
        let body = format!("during {i}");
        sse.expect("message.new", Duration::from_secs(10), |e| {
            e["message"]["body"] == body.as_str()
        })
        .await;
    }
    // Live delivery across nodes is back.
    ws_send(&mut cw, send(&conv, "k4", "after")).await;
    let e = next_matching(&mut aw, "message.new", |e| e["message"]["body"] == "after").await;
    assert_eq!(e["message"]["clientId"], "k4");
    redis_proc.kill();
}

#[tokio::test]
async fn a_killed_node_loses_nothing_acked_and_its_users_go_offline_within_the_bound() {
    let ttl = Duration::from_millis(2000);
    let mut cl = Cluster::start(3, REDIS, &[("PRESENCE_TTL_MS", "2000")]).await;
    cl.ready().await;
    let cust = cl.nodes[2].api.customer(100);
    let conv = cl.nodes[2].api.open(&cust, 1).await;
    let mut aw = ws_connect_to(&cl.nodes[0], &cl.nodes[0].api.agent(2001, 1)).await;
    let mut cw = ws_connect_to(&cl.nodes[2], &cust).await;
    next_matching(&mut aw, "presence", presence_of("100", "online")).await;
    settle().await;
    let mut acked = Vec::new();
    for i in 0..5 {
        ws_send(&mut cw, send(&conv, &format!("m{i}"), &format!("msg {i}"))).await;
        acked.push(next_of(&mut cw, "message.ack").await["message"]["id"].clone());
    }
    let killed = Instant::now();
    cl.nodes[2].kill();
    // The sweep that finds the node's heartbeat expired announces its users offline and, since
    // what it committed last may never have been published, has every session resync (1012).
    let (mut offline, mut resync) = (false, None);
    loop {
        let e = next_event(&mut aw).await;
        match e["type"].as_str() {
            Some("presence") if presence_of("100", "offline")(&e) => offline = true,
            Some("resync") => resync = Some(e),
            Some("closed") => {
                assert_eq!(e["code"], 1012, "{e}");
                break;
            }
            _ => {}
        }
    }
    let took = killed.elapsed();
    eprintln!(
        "resync {took:?} after SIGKILL (TTL {ttl:?}, bound {:?})",
        ttl * 5 / 4
    );
    assert!(
        took <= ttl * 5 / 4 + Duration::from_millis(2000),
        "resync after {took:?}"
    );
    let resync = resync.expect("a resync before the close");
    let since = chrono::DateTime::parse_from_rfc3339(resync["since"].as_str().unwrap()).unwrap();
    assert!(
        chrono::Utc::now() - since.with_timezone(&chrono::Utc)
            >= chrono::Duration::from_std(took).unwrap(),
        "the resync reaches back to before the kill: {resync}"
    );
    let mut aw = ws_connect_to(&cl.nodes[0], &cl.nodes[0].api.agent(2001, 1)).await;
    if !offline {
        // Offline by now: the reconnected agent's presence snapshot does not list the customer.
        while let Ok(e) =
            tokio::time::timeout(Duration::from_millis(500), next_event(&mut aw)).await
        {
            assert!(!presence_of("100", "online")(&e), "{e}");
        }
    }

    // The client reconnects to another node and recovers everything that was acked.
    let mut cw = ws_connect_to(&cl.nodes[1], &cust).await;
    let got = resume(&mut cw, &conv, &json!("0")).await;
    let got: Vec<Value> = got.iter().map(|m| m["id"].clone()).collect();
    assert_eq!(got, acked);
    next_matching(&mut aw, "presence", presence_of("100", "online")).await;
    settle().await;
    ws_send(&mut cw, send(&conv, "m5", "from B now")).await;
    next_of(&mut cw, "message.ack").await;
    let e = next_matching(&mut aw, "message.new", |e| e["message"]["clientId"] == "m5").await;
    assert_eq!(e["message"]["body"], "from B now");
    cl.cleanup().await;
}

#[tokio::test]
async fn sigterm_closes_sockets_with_1001_flushes_and_leaves_presence_at_once() {
    let mut cl = Cluster::start(2, REDIS, &[]).await;
    cl.ready().await;
    let cust = cl.nodes[0].api.customer(100);
    let conv = cl.nodes[0].api.open(&cust, 1).await;
    let mut aw = ws_connect_to(&cl.nodes[1], &cl.nodes[1].api.agent(2001, 1)).await;
    let mut cw = ws_connect_to(&cl.nodes[0], &cust).await;
    next_matching(&mut aw, "presence", presence_of("100", "online")).await;
    // Sends under way, then SIGTERM while more are still in flight.
    let mut acked: Vec<i64> = Vec::new();
    for i in 0..5 {
        ws_send(&mut cw, send(&conv, &format!("s{i}"), "hello")).await;
        let ack = next_of(&mut cw, "message.ack").await;
        acked.push(ack["message"]["id"].as_str().unwrap().parse().unwrap());
    }
    for i in 0..15 {
        // The node may close the socket under the burst: a refused write is fine here.
        let frame = send(&conv, &format!("t{i}"), "bye").to_string();
        let _ = cw.send(WsMessage::Text(frame.into())).await;
        if i == 7 {
            let pid = cl.nodes[0].pid().to_string();
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status();
        }
    }
    let started = Instant::now();
    let close = loop {
        let e = next_event(&mut cw).await;
        match e["type"].as_str() {
            Some("message.ack") => {
                acked.push(e["message"]["id"].as_str().unwrap().parse().unwrap())
            }
            Some("closed") => break e["code"].clone(),
            _ => {}
        }
    };
    assert_eq!(close, 1001, "sockets are told to reconnect");
    let status = cl.nodes[0].terminate(Duration::from_secs(15)).await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
    let stored: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE conversation_id = $1 ORDER BY id")
            .bind(conv.parse::<i64>().unwrap())
            .fetch_all(&cl.pool)
            .await
            .unwrap();
    assert!(!acked.is_empty());
    assert!(
        acked.iter().all(|id| stored.contains(id)),
        "every acked message is stored: {acked:?} vs {stored:?}"
    );
    // The node took its users out of the cluster's presence on the way out, not at TTL.
    next_matching(&mut aw, "presence", presence_of("100", "offline")).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    cl.cleanup().await;
}
