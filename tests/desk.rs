//! The support desk as its users meet it: an agent resolves a conversation and the customer's
//! next message reopens it in a colleague's inbox, live; a customer comes back after a resolved
//! conversation and starts a new one; assignment by hand and automatically to online agents
//! within their limit; snoozes that end by themselves; the away reply.

mod common;

use common::desk::{assign, ids, inbox, open_answer, settings, status, updated};
use common::flows::{is, SECOND};
use common::{listen, TestNode, Transport};
use reqwest::Method;
use serde_json::{json, Value};
use servihub_actors::protocol::Role;
use std::time::Duration;

async fn resolve_then_reopen(t: Transport) {
    let n = TestNode::start().await;
    let (alice, bob) = (n.agent(2001, 1), n.token(2002, Role::Agent, Some(1), "Bob"));
    let casey = n.customer(700);
    let mut bobs_inbox = listen(&n.base, &bob, None, t, None).await;
    let mut widget = listen(&n.base, &casey, Some(1), t, None).await;
    let conv = n.open(&casey, 1).await;
    n.send(&casey, &conv, "c1", "My order is late").await;
    n.send(&alice, &conv, "a1", "Sorry! It ships today.").await;

    let before = inbox(&n, &bob, "").await["counts"].clone();
    let (s, v) = status(&n, &alice, &conv, json!({"status": "resolved"})).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("resolved")), "{v}");
    let e = bobs_inbox
        .expect("conversation.updated", SECOND, updated(&conv, "resolved"))
        .await;
    assert_eq!(e["changedBy"], "2001");
    widget
        .expect("conversation.updated", SECOND, updated(&conv, "resolved"))
        .await;
    let resolved = inbox(&n, &bob, "status=resolved").await;
    assert!(ids(&resolved).contains(&conv));
    assert_eq!(
        resolved["counts"]["resolved"]["all"],
        before["resolved"]["all"].as_i64().unwrap() + 1
    );
    assert_eq!(
        resolved["counts"]["open"]["all"],
        before["open"]["all"].as_i64().unwrap() - 1
    );
    assert!(!ids(&inbox(&n, &bob, "status=open").await).contains(&conv));

    // The customer writes again in the same thread: it reopens, live, in Bob's inbox.
    n.send(&casey, &conv, "c2", "It did not arrive").await;
    bobs_inbox
        .expect("message.new", SECOND, |e| e["message"]["clientId"] == "c2")
        .await;
    let e = bobs_inbox
        .expect("conversation.updated", SECOND, updated(&conv, "open"))
        .await;
    assert_eq!(e["changedBy"], "700", "the customer's message reopened it");
    let open = inbox(&n, &bob, "status=open").await;
    assert!(ids(&open).contains(&conv));
    assert_eq!(open["counts"], before, "every count is back where it was");

    // Staff replies and notes never reopen.
    status(&n, &alice, &conv, json!({"status": "pending"})).await;
    n.send(&alice, &conv, "a2", "Checking with the courier")
        .await;
    let (_, v) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(v["status"], "pending");
    n.stop().await;
}

#[tokio::test]
async fn a_resolved_conversation_reopens_for_every_agent_when_the_customer_writes_over_websocket() {
    resolve_then_reopen(Transport::Ws).await;
}

#[tokio::test]
async fn a_resolved_conversation_reopens_for_every_agent_when_the_customer_writes_over_sse() {
    resolve_then_reopen(Transport::Sse).await;
}

#[tokio::test]
async fn a_returning_customer_starts_a_new_conversation_and_keeps_the_old_one() {
    let n = TestNode::start().await;
    let agent = n.agent(2001, 1);
    let casey = n.customer(701);
    let first = n.open(&casey, 1).await;
    n.send(&casey, &first, "old", "Question from last month")
        .await;
    status(&n, &agent, &first, json!({"status": "resolved"})).await;

    // Several tabs at once: exactly one new conversation.
    let opens = (0..8).map(|_| {
        let (n, casey) = (&n, casey.clone());
        async move { open_answer(n, &casey).await }
    });
    let answers = futures_util::future::join_all(opens).await;
    let second: Vec<String> = answers
        .iter()
        .map(|(_, v)| v["id"].as_str().unwrap().into())
        .collect();
    assert!(
        second.iter().all(|id| *id == second[0] && *id != first),
        "{second:?}"
    );
    assert_eq!(answers.iter().filter(|(s, _)| *s == 201).count(), 1);
    let current: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM conversations WHERE customer_id = 701 AND status <> 'resolved'",
    )
    .fetch_one(n.node.as_ref().unwrap().pool())
    .await
    .unwrap();
    assert_eq!(current, 1);

    // The customer's list holds both; the old history is still readable.
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&casey), None)
        .await;
    let listed = ids(&list);
    assert!(
        listed.contains(&first) && listed.contains(&second[0]),
        "{list}"
    );
    let (_, old) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{first}/messages"),
            Some(&casey),
            None,
        )
        .await;
    assert_eq!(old["items"][0]["body"], "Question from last month");

    // The old one cannot come back while the new one is current: by staff, or by a message.
    let (s, v) = status(&n, &agent, &first, json!({"status": "open"})).await;
    assert_eq!(s, 400, "{v}");
    let (s, _) = n.send(&casey, &first, "late", "one more thing").await;
    assert_eq!(s, 201, "the message is kept");
    let (_, v) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{first}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(v["status"], "resolved");
    n.stop().await;
}

#[tokio::test]
async fn staff_assign_and_the_customer_sees_who_answers() {
    let n = TestNode::start().await;
    let (alice, bob) = (n.agent(2001, 1), n.token(2002, Role::Agent, Some(1), "Bob"));
    let rival = n.agent(2101, 2);
    let casey = n.customer(702);
    let conv = n.open(&casey, 1).await;
    let mut widget = listen(&n.base, &casey, Some(1), Transport::Ws, None).await;
    let mut alices_inbox = listen(&n.base, &alice, None, Transport::Ws, None).await;

    // Bob has never signed in: not assignable yet.
    let (s, v) = assign(&n, &alice, &conv, json!("2002")).await;
    assert_eq!(s, 400, "{v}");
    let _ = inbox(&n, &bob, "").await;
    let (s, v) = assign(&n, &alice, &conv, json!("2002")).await;
    assert_eq!((s, v["assigneeName"].as_str()), (200, Some("Bob")), "{v}");
    let e = widget
        .expect("conversation.updated", SECOND, is("assigneeId", "2002"))
        .await;
    assert_eq!(e["assigneeName"], "Bob");
    alices_inbox
        .expect("conversation.updated", SECOND, is("assigneeId", "2002"))
        .await;
    let (_, mine) = (0, inbox(&n, &bob, "assignee=mine").await);
    assert_eq!(ids(&mine), vec![conv.clone()]);
    assert_eq!(mine["counts"]["open"]["mine"], 1);
    assert!(ids(&inbox(&n, &alice, "assignee=mine").await).is_empty());
    let (_, seen) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&casey),
            None,
        )
        .await;
    assert_eq!(seen["assigneeName"], "Bob");

    for (token, code) in [(&casey, 403), (&rival, 403)] {
        let (s, _) = assign(&n, token, &conv, json!("2001")).await;
        assert_eq!(s, code);
    }
    let (s, v) = assign(&n, &alice, &conv, Value::Null).await;
    assert_eq!((s, v["assigneeId"].clone()), (200, Value::Null));
    assert!(ids(&inbox(&n, &alice, "assignee=unassigned").await).contains(&conv));
    n.stop().await;
}

#[tokio::test]
async fn auto_assignment_goes_round_robin_to_online_agents_within_their_limit() {
    let n = TestNode::start().await;
    let owner = n.owner(2000, 1);
    let (alice, bob, carol) = (
        n.agent(2001, 1),
        n.token(2002, Role::Agent, Some(1), "Bob"),
        n.token(2003, Role::Agent, Some(1), "Carol"),
    );
    let (s, v) = settings(
        &n,
        &owner,
        json!({"autoAssign": true, "maxOpenPerAgent": 1, "awayMessage": null,
                "expectedReplyMinutes": null}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Bob signed in once but is offline; Alice and Carol have the console open.
    let _ = inbox(&n, &bob, "").await;
    let _alice_online = listen(&n.base, &alice, None, Transport::Ws, None).await;
    let _carol_online = listen(&n.base, &carol, None, Transport::Ws, None).await;

    let mut assignees = Vec::new();
    for customer in 710..713 {
        let token = n.customer(customer);
        let (s, v) = open_answer(&n, &token).await;
        assert_eq!(s, 201);
        assignees.push(v["assigneeId"].clone());
    }
    assignees[..2].sort_by_key(|v| v.to_string());
    assert_eq!(
        assignees,
        vec![json!("2001"), json!("2003"), Value::Null],
        "one each to the two online agents, the third waits: both are at their limit"
    );

    // Alice resolves hers: the next new conversation goes to her.
    let page = inbox(&n, &alice, "assignee=mine").await;
    let hers = ids(&page)[0].clone();
    status(&n, &alice, &hers, json!({"status": "resolved"})).await;
    let token = n.customer(713);
    let (_, v) = open_answer(&n, &token).await;
    assert_eq!(v["assigneeId"], "2001");
    n.stop().await;
}

#[tokio::test]
async fn a_snooze_ends_by_itself_and_every_agent_sees_it_come_back() {
    let n = TestNode::start().await;
    let agent = n.agent(2001, 1);
    let casey = n.customer(720);
    let conv = n.open(&casey, 1).await;
    let mut inbox_tab = listen(&n.base, &agent, None, Transport::Ws, None).await;
    let until = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let (s, v) = status(
        &n,
        &agent,
        &conv,
        json!({"status": "snoozed", "snoozedUntil": until}),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("snoozed")), "{v}");
    assert!(ids(&inbox(&n, &agent, "status=snoozed").await).contains(&conv));
    let e = inbox_tab
        .expect(
            "conversation.updated",
            Duration::from_secs(6),
            updated(&conv, "open"),
        )
        .await;
    assert_eq!(e["changedBy"], Value::Null, "the node ended it");
    assert_eq!(e["snoozedUntil"], Value::Null);
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    let (s, _) = status(
        &n,
        &agent,
        &conv,
        json!({"status": "snoozed", "snoozedUntil": past}),
    )
    .await;
    assert_eq!(s, 400);
    n.stop().await;
}

#[tokio::test]
async fn the_away_reply_comes_once_when_nobody_is_online() {
    let n = TestNode::start().await;
    let owner = n.owner(2000, 1);
    let (s, _) = settings(
        &n,
        &owner,
        json!({"autoAssign": false, "maxOpenPerAgent": 10,
                "awayMessage": "We are away; we answer within {{reply_time}}.",
                "expectedReplyMinutes": 60}),
    )
    .await;
    assert_eq!(s, 200);
    let casey = n.customer(730);
    let conv = n.open(&casey, 1).await;
    let mut widget = listen(&n.base, &casey, Some(1), Transport::Ws, None).await;
    n.send(&casey, &conv, "q1", "Are you open on Sunday?").await;
    let away = widget
        .expect("message.new", SECOND, |e| {
            e["message"]["sender"]["role"] == "AGENT"
        })
        .await;
    assert_eq!(
        away["message"]["body"],
        "We are away; we answer within 1 hour."
    );
    assert_eq!(
        away["message"]["sender"]["name"],
        "Northwind Bikes • Automatic reply"
    );
    n.send(&casey, &conv, "q2", "Hello?").await;
    widget
        .quiet("message.new", Duration::from_millis(500), |e| {
            e["message"]["sender"]["role"] == "AGENT"
        })
        .await;

    // With an agent online, a new conversation gets no away reply.
    let _agent_online = listen(&n.base, &n.agent(2001, 1), None, Transport::Ws, None).await;
    let dana = n.customer(731);
    let other = n.open(&dana, 1).await;
    n.send(&dana, &other, "d1", "Hi").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, page) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{other}/messages"),
            Some(&dana),
            None,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    n.stop().await;
}

/// A node of the previous version, during a rolling upgrade, writes through `chat_store_batch`:
/// the same path as the new nodes (its customer's message reopens, its message is public).
#[tokio::test]
async fn the_previous_versions_write_path_is_the_same_path() {
    let n = TestNode::start().await;
    let agent = n.agent(2001, 1);
    let casey = n.customer(740);
    let conv = n.open(&casey, 1).await;
    let (s, v) = status(&n, &agent, &conv, json!({"status": "resolved"})).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("resolved")), "{v}");
    let pool = n.node.as_ref().unwrap().pool();
    let rows: Vec<(i32, Option<i64>)> = sqlx::query_as(
        "SELECT out_item, out_id FROM chat_store_batch(ARRAY[$1]::bigint[], ARRAY[740]::bigint[],
            ARRAY['CUSTOMER'], ARRAY['TEXT'], ARRAY['from an old node'], ARRAY['old-1'],
            NULL, NULL, NULL, NULL)",
    )
    .bind(conv.parse::<i64>().unwrap())
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1.is_some(), "stored");
    let (_, v) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(v["status"], "open");
    assert_eq!(v["lastMessage"]["private"], false);
    n.stop().await;
}
