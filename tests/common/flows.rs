//! Flows that run the same on one node and across nodes.

use super::{listen, TestNode, Transport};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub const SECOND: Duration = Duration::from_secs(1);
/// Presence offline on a clean close; a crash takes the cluster's TTL instead.
pub const SOON: Duration = Duration::from_secs(5);

pub fn is(field: &'static str, value: &str) -> impl Fn(&Value) -> bool {
    let value = value.to_string();
    move |e: &Value| e[field] == value.as_str()
}

pub fn unread(conv: &str, count: i64) -> impl Fn(&Value) -> bool {
    let conv = conv.to_string();
    move |e: &Value| e["conversationId"] == conv.as_str() && e["count"] == count
}

/// The agent's inbox is open first; then a customer the business has never seen opens the
/// widget. Both sides must see each other at once, and every agent's inbox must show the new
/// conversation and its unread count live, including an agent who never opened it.
pub async fn newcomer_flow(base: &str, agent_base: &str, n: &TestNode, t: Transport) {
    let agent = n.agent(2001, 1);
    let colleague = n.token(2002, servihub_actors::protocol::Role::Agent, Some(1), "Bob");
    let mut inbox = listen(agent_base, &agent, None, t, None).await;
    let mut second_tab = listen(agent_base, &agent, None, t, None).await;
    let mut bob = listen(agent_base, &colleague, None, t, None).await;

    let newcomer = n.customer(7777);
    let mut widget = listen(base, &newcomer, Some(1), t, None).await;
    widget
        .expect("presence", SECOND, |e| {
            e["userId"] == "2001" && e["status"] == "online"
        })
        .await;
    inbox
        .expect("presence", SECOND, |e| {
            e["userId"] == "7777" && e["status"] == "online"
        })
        .await;

    let conv = n.open(&newcomer, 1).await;
    for tab in [&mut inbox, &mut bob] {
        tab.expect("conversation.new", SECOND, |e| {
            e["conversation"]["id"] == conv.as_str()
        })
        .await;
    }
    n.send(&newcomer, &conv, "n1", "Hello? Anyone there?").await;
    let (_, second) = n.send(&newcomer, &conv, "n2", "I have a question").await;
    for tab in [&mut inbox, &mut second_tab, &mut bob] {
        tab.expect("unread", SECOND, unread(&conv, 2)).await;
    }

    let (s, _) = n.send(&agent, &conv, "r1", "Hi! How can I help?").await;
    assert_eq!(s, 201);
    widget
        .expect("message.new", SECOND, |e| e["message"]["clientId"] == "r1")
        .await;
    widget.expect("unread", SECOND, unread(&conv, 1)).await;
    bob.expect("unread", SECOND, unread(&conv, 3)).await;

    let (s, _) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/read"),
            Some(&agent),
            Some(json!({"messageId": second["id"]})),
        )
        .await;
    assert_eq!(s, 204);
    for tab in [&mut inbox, &mut second_tab] {
        tab.expect("unread", SECOND, unread(&conv, 0)).await;
    }
    widget.expect("read", SECOND, is("userId", "2001")).await;

    // The inbox list agrees with what was pushed, for the reader and the colleague alike.
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&agent), None)
        .await;
    let row = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == conv.as_str())
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&list)["unreadCount"], 0);
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&colleague), None)
        .await;
    assert_eq!(row(&list)["unreadCount"], 3);
    let reader = row(&list)["participants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["userId"] == "2002");
    assert!(
        !reader,
        "reading or being notified never makes anyone a participant"
    );

    drop(widget);
    inbox
        .expect("presence", SOON, |e| {
            e["userId"] == "7777" && e["status"] == "offline"
        })
        .await;
}
