//! Offline notifications: a signed webhook per recipient and conversation, retried through a
//! failing receiver, surviving a node restart, and none for a customer who is online.

mod common;

use common::*;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const WEBHOOK_SECRET: &str = "webhook-secret";

/// A minimal HTTP receiver on loopback: answers 500 while `failing`, else 200, and records
/// every request's headers and body.
struct Receiver {
    url: String,
    failing: Arc<AtomicBool>,
    attempts: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<(String, Value)>>>,
}

async fn receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/chat", listener.local_addr().unwrap());
    let failing = Arc::new(AtomicBool::new(true));
    let attempts = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let (f, a, acc) = (failing.clone(), attempts.clone(), accepted.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let (f, a, acc) = (f.clone(), a.clone(), acc.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(split) = text.find("\r\n\r\n") {
                        let head = text[..split].to_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:")
                                    .map(|v| v.trim().parse().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if buf.len() >= split + 4 + len {
                            let body = String::from_utf8_lossy(&buf[split + 4..split + 4 + len])
                                .to_string();
                            a.fetch_add(1, Ordering::SeqCst);
                            let status = if f.load(Ordering::SeqCst) {
                                "500 Internal Server Error"
                            } else {
                                "200 OK"
                            };
                            if status.starts_with("200") {
                                acc.lock().unwrap().push((
                                    text[..split].to_string(),
                                    serde_json::from_str(&body).unwrap(),
                                ));
                            }
                            let resp = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                            let _ = sock.write_all(resp.as_bytes()).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    Receiver {
        url,
        failing,
        attempts,
        accepted,
    }
}

fn header(head: &str, name: &str) -> String {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default()
}

async fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn offline_customer_gets_one_signed_notification_after_retries_and_a_restart() {
    let rx = receiver().await;
    let url = rx.url.clone();
    let tweak = move |c: &mut servihub_chat::config::Config| {
        c.notify_webhook_url = Some(url.clone());
        c.notify_webhook_secret = Some(WEBHOOK_SECRET.into());
        c.notify_backoff_ms = 50;
    };
    let n = TestNode::start_with(tweak.clone()).await;
    let customer = n.customer(100);
    let agent = n.agent(2001, 1);
    let conv = n.open(&customer, 1).await;
    for i in 0..3 {
        assert_eq!(
            n.send(&agent, &conv, &format!("n{i}"), &format!("reply {i}"))
                .await
                .0,
            201
        );
    }
    wait_for("two failed attempts", || {
        rx.attempts.load(Ordering::SeqCst) >= 2
    })
    .await;
    // Restart mid-retry: the outbox row is durable; the next node delivers it.
    let db = n.database_url.clone();
    n.stop().await;
    rx.failing.store(false, Ordering::SeqCst);
    let n2 = TestNode::start_on(&db, tweak).await;
    wait_for("a delivered notification", || {
        !rx.accepted.lock().unwrap().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let accepted = rx.accepted.lock().unwrap().clone();
    assert_eq!(
        accepted.len(),
        1,
        "a burst gives one notification: {accepted:?}"
    );
    let (head, body) = &accepted[0];
    assert_eq!(body["userId"], "100");
    assert_eq!(body["conversationId"], conv.as_str());
    assert_eq!(body["messageCount"], 3);
    assert_eq!(body["preview"], "reply 2");
    let ts = header(head, "x-servihub-timestamp");
    let raw = serde_json::to_vec(body).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(&raw);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header(head, "x-servihub-signature"), expected);
    assert!(rx.attempts.load(Ordering::SeqCst) >= 3);
    n2.stop().await;
}

#[tokio::test]
async fn an_online_customer_is_not_notified() {
    let rx = receiver().await;
    let url = rx.url.clone();
    let n = TestNode::start_with(move |c| {
        c.notify_webhook_url = Some(url);
        c.notify_backoff_ms = 50;
    })
    .await;
    rx.failing.store(false, Ordering::SeqCst);
    let customer = n.customer(100);
    let agent = n.agent(2001, 1);
    let conv = n.open(&customer, 1).await;
    let mut live = ws_connect(&n, &customer).await;
    n.send(&agent, &conv, "o1", "you are here").await;
    next_of(&mut live, "message.new").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_outbox")
        .fetch_one(n.node.as_ref().unwrap().pool())
        .await
        .unwrap();
    assert_eq!(pending, 0);
    assert_eq!(rx.attempts.load(Ordering::SeqCst), 0);
    n.stop().await;
}
