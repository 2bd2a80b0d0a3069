//! The desk across two nodes: status changes and assignments made on one node reach the staff
//! and the customer on the other live; auto-assignment sees an agent online on another node;
//! a note written on one node reaches the other node's staff and never its customers.

mod common;

use common::cluster::{Cluster, REDIS};
use common::flows::SECOND;
use common::{listen, Transport};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn desk_events_cross_the_cluster_and_notes_stay_with_staff() {
    let cluster = Cluster::start(2, REDIS, &[]).await;
    cluster.ready().await;
    let (a, b) = (&cluster.nodes[0].api, &cluster.nodes[1].api);
    let owner = b.owner(2000, 1);
    let (s, _) = b
        .call(
            Method::PUT,
            "/api/v1/businesses/1/settings",
            Some(&owner),
            Some(
                json!({"autoAssign": true, "maxOpenPerAgent": 5, "awayMessage": null,
                "expectedReplyMinutes": null}),
            ),
        )
        .await;
    assert_eq!(s, 200);
    let alice = a.agent(2001, 1);
    let mut alices_inbox = listen(&a.base, &alice, None, Transport::Ws, None).await;
    let casey = b.customer(760);
    let mut widget_on_a = listen(&a.base, &casey, Some(1), Transport::Sse, None).await;
    // Presence reaches node b through Redis.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let (s, conv) = b
        .call(
            Method::POST,
            "/api/v1/conversations",
            Some(&casey),
            Some(json!({"businessId": "1"})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        conv["assigneeId"], "2001",
        "Alice is online on the other node: {conv}"
    );
    let id = conv["id"].as_str().unwrap().to_string();
    alices_inbox
        .expect("conversation.updated", SECOND, |e| {
            e["assigneeId"] == "2001"
        })
        .await;

    // A note and a status change made on node b.
    let (s, _) = b
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{id}/messages"),
            Some(&b.agent(2002, 1)),
            Some(json!({"clientId": "n1", "body": "call them tomorrow", "private": true})),
        )
        .await;
    assert_eq!(s, 201);
    let e = alices_inbox
        .expect("message.new", SECOND, |e| e["message"]["clientId"] == "n1")
        .await;
    assert_eq!(e["message"]["private"], true);
    let (s, _) = b
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{id}/status"),
            Some(&b.agent(2002, 1)),
            Some(json!({"status": "pending"})),
        )
        .await;
    assert_eq!(s, 200);
    // Everything the customer's widget hears up to the status change, which came after the
    // note: the note must not be among it (nor arrive after).
    let e = tokio::time::timeout(SECOND, async {
        loop {
            let e = widget_on_a.next_event().await;
            assert_ne!(e["type"], "message.new", "a note reached the customer: {e}");
            if e["type"] == "conversation.updated" && e["status"] == "pending" {
                return e;
            }
        }
    })
    .await
    .expect("the status change reaches the customer on the other node");
    assert_eq!(e["assigneeName"], "Alice");
    alices_inbox
        .expect("conversation.updated", SECOND, |e| e["status"] == "pending")
        .await;
    widget_on_a
        .quiet("message.new", Duration::from_millis(400), |_| true)
        .await;
    cluster.cleanup().await;
}
