//! A socket's sends are pipelined: while one waits for its commit, the socket's next frames are
//! applied, and the acks still come in the order of the sends, with increasing ids. A commit is
//! held up here the way a slow disk or a busy row would: another transaction holds the
//! conversation's row lock.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::Duration;

fn send(conv: &str, client_id: &str) -> Value {
    json!({"type": "message.send", "conversationId": conv, "clientId": client_id, "body": client_id})
}

/// Holds the row lock of a conversation in an open transaction until dropped or committed.
async fn hold_row(pool: &sqlx::PgPool, conv: &str) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE")
        .bind(conv.parse::<i64>().unwrap())
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

#[tokio::test]
async fn a_slow_commit_does_not_stop_the_socket_and_acks_keep_send_order() {
    let n = TestNode::start().await;
    let pool = n.node.as_ref().unwrap().pool().clone();
    let customer = n.customer(1001);
    let slow = n.open(&customer, 1).await;
    let other = n.open(&customer, 2).await;
    let lane = |c: &str| c.parse::<i64>().unwrap() % 4;
    assert_ne!(
        lane(&slow),
        lane(&other),
        "two conversations on two of the four lanes"
    );
    let mut ws = ws_connect(&n, &customer).await;

    let lock = hold_row(&pool, &slow).await;
    ws_send(&mut ws, send(&slow, "slow-1")).await;
    ws_send(&mut ws, send(&slow, "slow-2")).await;
    ws_send(&mut ws, send(&other, "other-1")).await;
    ws_send(&mut ws, json!({"type": "ping"})).await;
    // The ping is answered while the first send still waits for its commit: nothing before it
    // is an ack, because none of the sends could be acked yet.
    loop {
        let e = next_event(&mut ws).await;
        assert_ne!(e["type"], "message.ack", "acked during the lock: {e}");
        assert_ne!(e["type"], "error", "{e}");
        if e["type"] == "pong" {
            break;
        }
    }
    // The other conversation's message committed meanwhile (its lane is not held up), but its
    // ack waits for the acks of the sends before it.
    let mut committed = 0;
    for _ in 0..100 {
        committed = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM messages WHERE client_id = 'other-1'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if committed == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(committed, 1, "the other conversation's message is stored");
    lock.commit().await.unwrap();

    let mut acks = Vec::new();
    while acks.len() < 3 {
        let e = next_event(&mut ws).await;
        assert_ne!(e["type"], "error", "{e}");
        if e["type"] == "message.ack" {
            acks.push((
                e["clientId"].as_str().unwrap().to_string(),
                e["message"]["id"].as_str().unwrap().parse::<i64>().unwrap(),
            ));
        }
    }
    let order: Vec<&str> = acks.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(order, ["slow-1", "slow-2", "other-1"], "acks in send order");
    assert!(
        acks[0].1 < acks[1].1,
        "ids in send order within a conversation"
    );

    // Once acked, the history has both, once each, in order, after what was there before.
    let page = n.history(&customer, &slow).await;
    let ids: Vec<&str> = page
        .iter()
        .map(|m| m["clientId"].as_str().unwrap())
        .collect();
    assert_eq!(ids[ids.len() - 2..], ["slow-1", "slow-2"]);
    assert_eq!(ids.iter().filter(|c| c.starts_with("slow-")).count(), 2);
    n.stop().await;
}

#[tokio::test]
async fn a_bad_send_between_good_ones_is_answered_in_its_place() {
    let n = TestNode::start().await;
    let pool = n.node.as_ref().unwrap().pool().clone();
    let customer = n.customer(1001);
    let conv = n.open(&customer, 1).await;
    let mut ws = ws_connect(&n, &customer).await;

    let lock = hold_row(&pool, &conv).await;
    ws_send(&mut ws, send(&conv, "good-1")).await;
    ws_send(
        &mut ws,
        json!({"type": "message.send", "conversationId": conv, "clientId": "bad", "body": "  "}),
    )
    .await;
    ws_send(&mut ws, send(&conv, "good-2")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    lock.commit().await.unwrap();

    let mut answers = Vec::new();
    while answers.len() < 3 {
        let e = next_event(&mut ws).await;
        match e["type"].as_str() {
            Some("message.ack") => answers.push(e["clientId"].as_str().unwrap().to_string()),
            Some("error") => answers.push(format!("error:{}", e["ref"].as_str().unwrap_or(""))),
            _ => {}
        }
    }
    assert_eq!(answers, ["good-1", "error:bad", "good-2"]);
    n.stop().await;
}
