//! Private notes and search, with every access rule: a note is the staff's only, over every
//! transport and every way back to a message (history, resume, SSE replay, search, the list's
//! last message, unread counts, webhooks); search finds what its caller may read and nothing
//! else, through the GIN index.

mod common;

use common::cluster::resume;
use common::flows::SECOND;
use common::{listen, next_of, ws_connect, ws_send, Events, TestNode, Transport};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

async fn note(n: &TestNode, token: &str, conv: &str, client_id: &str, body: &str) -> (u16, Value) {
    n.call(
        Method::POST,
        &format!("/api/v1/conversations/{conv}/messages"),
        Some(token),
        Some(json!({"clientId": client_id, "body": body, "private": true})),
    )
    .await
}

async fn search(n: &TestNode, token: &str, q: &str) -> Vec<Value> {
    let (s, v) = n
        .call(
            Method::GET,
            &format!("/api/v1/search?q={q}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn bodies(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|m| m["body"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_private_note_never_reaches_the_customer_by_any_way() {
    let n = TestNode::start_with(|c| {
        // A webhook that nobody answers: the outbox rows are what is checked.
        c.notify_webhook_url = Some("http://127.0.0.1:9/hook".into());
        c.notify_webhook_secret = Some("s".into());
    })
    .await;
    let (alice, bob) = (n.agent(2001, 1), n.agent(2002, 1));
    let casey = n.customer(740);
    let conv = n.open(&casey, 1).await;
    let (_, first) = n.send(&casey, &conv, "c1", "Where is my parcel?").await;

    let mut ws_widget = listen(&n.base, &casey, Some(1), Transport::Ws, None).await;
    let mut sse_widget = listen(&n.base, &casey, Some(1), Transport::Sse, None).await;
    let mut colleague = listen(&n.base, &bob, None, Transport::Ws, None).await;

    // A note over WebSocket and one over REST.
    let mut alice_ws = ws_connect(&n, &alice).await;
    ws_send(
        &mut alice_ws,
        json!({"type": "message.send", "conversationId": conv, "clientId": "n1",
               "body": "Courier lost it, refund quietly", "private": true}),
    )
    .await;
    let ack = next_of(&mut alice_ws, "message.ack").await;
    assert_eq!(ack["message"]["private"], true);
    let (s, rest_note) = note(&n, &alice, &conv, "n2", "VIP customer, be generous").await;
    assert_eq!((s, rest_note["private"].as_bool()), (201, Some(true)));
    let e = colleague
        .expect("message.new", SECOND, |e| e["message"]["clientId"] == "n2")
        .await;
    assert_eq!(e["message"]["private"], true, "staff see the note, marked");

    // Then a public reply: the customer sees it and nothing before it.
    n.send(&alice, &conv, "r1", "We are sending a new one today")
        .await;
    for widget in [&mut ws_widget, &mut sse_widget] {
        let e = widget.expect("message.new", SECOND, |_| true).await;
        assert_eq!(
            e["message"]["clientId"], "r1",
            "the first event is the public reply: {e}"
        );
        let u = widget.expect("unread", SECOND, |_| true).await;
        assert_eq!(u["count"], 1, "notes never count for the customer");
    }
    if let Events::Sse(s) = &sse_widget {
        assert!(s.last_id.is_some());
    }

    // History, the list, the conversation, resume and an SSE replay from before the notes.
    let (_, page) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&casey),
            None,
        )
        .await;
    let seen: Vec<Value> = page["items"].as_array().unwrap().clone();
    assert_eq!(
        bodies(&seen),
        ["Where is my parcel?", "We are sending a new one today"]
    );
    let (_, staff_page) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(staff_page["items"].as_array().unwrap().len(), 4);
    let (_, one) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}"),
            Some(&casey),
            None,
        )
        .await;
    assert_eq!(one["lastMessage"]["clientId"], "r1");
    assert_eq!(one["unreadCount"], 1);
    let (s, _) = n.send(&alice, &conv, "n3", "one more reply").await;
    assert_eq!(s, 201);
    let (_, v) = note(&n, &alice, &conv, "n4", "and the last word is a note").await;
    assert_eq!(v["private"], true);
    let (_, list) = n
        .call(Method::GET, "/api/v1/conversations", Some(&casey), None)
        .await;
    let mine = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == conv.as_str())
        .unwrap();
    assert_eq!(
        mine["lastMessage"]["clientId"], "n3",
        "the newest message the customer may see"
    );
    let mut casey_ws = ws_connect(&n, &casey).await;
    let resumed = resume(&mut casey_ws, &conv, &first["id"]).await;
    assert!(resumed.iter().all(|m| m["private"] == false), "{resumed:?}");
    assert_eq!(resumed.len(), 2);
    let since = chrono::Utc::now().timestamp_millis() - 60_000;
    let cursor = format!("v1.{since}.{conv}-{}", first["id"].as_str().unwrap());
    let mut replay = listen(&n.base, &casey, Some(1), Transport::Sse, Some(&cursor)).await;
    let e = replay.expect("message.new", SECOND, |_| true).await;
    assert_eq!(
        e["message"]["clientId"], "r1",
        "the replay starts with the public reply"
    );
    replay
        .quiet("message.new", Duration::from_millis(500), |e| {
            e["message"]["private"] == true
        })
        .await;

    // By id: not found for the customer, whatever it tries.
    let note_id = rest_note["id"].as_str().unwrap();
    for (method, path) in [
        (
            Method::PUT,
            format!("/api/v1/messages/{note_id}/reactions/%F0%9F%91%8D"),
        ),
        (Method::PATCH, format!("/api/v1/messages/{note_id}")),
        (Method::DELETE, format!("/api/v1/messages/{note_id}")),
    ] {
        let (s, v) = n
            .call(method, &path, Some(&casey), Some(json!({"body": "x"})))
            .await;
        assert_eq!(s, 404, "{path}: {v}");
    }
    // A customer cannot write one.
    let (s, _) = note(&n, &casey, &conv, "cn", "secret").await;
    assert_eq!(s, 403);

    // No webhook for a note: the customer is offline now, the public reply queues one.
    drop((ws_widget, sse_widget, replay, casey_ws));
    tokio::time::sleep(Duration::from_millis(300)).await;
    note(&n, &alice, &conv, "n5", "note while offline").await;
    let pool = n.node.as_ref().unwrap().pool();
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE user_id = 740")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(queued, 0, "a note never notifies");
    n.send(&alice, &conv, "r2", "public while offline").await;
    let queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE user_id = 740")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(queued, 1);
    n.stop().await;
}

#[tokio::test]
async fn search_finds_what_the_caller_may_read_ranked_and_highlighted() {
    let n = TestNode::start().await;
    let (agent, rival) = (n.agent(2001, 1), n.agent(2101, 2));
    let (casey, dana) = (n.customer(750), n.customer(751));
    let c1 = n.open(&casey, 1).await;
    let d1 = n.open(&dana, 1).await;
    let other = n.open(&dana, 2).await;
    n.send(&casey, &c1, "a", "I want a refund for order 1182")
        .await;
    n.send(&casey, &c1, "b", "The refunds page gives an error")
        .await;
    note(&n, &agent, &c1, "n", "refund approved by the owner").await;
    n.send(&dana, &d1, "c", "refund please, the bike is broken")
        .await;
    n.send(&dana, &other, "d", "refund at the other shop").await;
    let (_, gone) = n.send(&casey, &c1, "e", "cancel my refund request").await;
    n.call(
        Method::DELETE,
        &format!("/api/v1/messages/{}", gone["id"].as_str().unwrap()),
        Some(&casey),
        None,
    )
    .await;

    let staff = search(&n, &agent, "refund").await;
    let found: Vec<&str> = staff
        .iter()
        .map(|h| h["message"]["clientId"].as_str().unwrap())
        .collect();
    assert_eq!(
        found.len(),
        4,
        "business 1 only, notes included, deleted left out: {found:?}"
    );
    assert!(
        found.contains(&"n")
            && found.contains(&"b")
            && !found.contains(&"d")
            && !found.contains(&"e")
    );
    let hit = staff
        .iter()
        .find(|h| h["message"]["clientId"] == "a")
        .unwrap();
    let snippet: Vec<char> = hit["snippet"].as_str().unwrap().chars().collect();
    let [start, end] = [
        hit["highlights"][0][0].as_u64().unwrap(),
        hit["highlights"][0][1].as_u64().unwrap(),
    ];
    let marked: String = snippet[start as usize..end as usize].iter().collect();
    assert_eq!(marked, "refund");
    assert_eq!(hit["conversationId"], c1.as_str());

    let mine = search(&n, &casey, "refund").await;
    let found: Vec<&str> = mine
        .iter()
        .map(|h| h["message"]["clientId"].as_str().unwrap())
        .collect();
    found
        .iter()
        .for_each(|c| assert!(["a", "b"].contains(c), "{found:?}"));
    assert_eq!(found.len(), 2, "own conversations, no notes: {found:?}");
    assert!(
        search(&n, &rival, "bike").await.is_empty(),
        "another business sees nothing of business 1"
    );
    let phrase = search(&n, &agent, "%22order%201182%22").await;
    assert_eq!(phrase.len(), 1);
    let (s, _) = n
        .call(Method::GET, "/api/v1/search?q=%00x", Some(&agent), None)
        .await;
    assert_eq!(s, 400);

    // The query goes through the GIN index, never a scan computing vectors from the text.
    let pool = n.node.as_ref().unwrap().pool();
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM messages WHERE search @@ websearch_to_tsquery('chat_text', 'refund')",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert!(
        plan.iter().any(|l| l.contains("messages_search_idx")),
        "{plan:?}"
    );
    n.stop().await;
}

#[tokio::test]
async fn canned_replies_belong_to_their_business() {
    let n = TestNode::start().await;
    let (owner, rival_owner) = (n.owner(2000, 1), n.owner(2100, 2));
    let path = "/api/v1/businesses/1/canned-replies";
    let (s, v) = n
        .call(
            Method::POST,
            path,
            Some(&owner),
            Some(json!({"shortcut": "late", "body": "Hi {{customer.name}}, <b>sorry</b>"})),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        v["body"], "Hi {{customer.name}}, <b>sorry</b>",
        "plain text, stored as typed"
    );
    let id = v["id"].as_str().unwrap();
    let (s, _) = n.call(Method::GET, path, Some(&rival_owner), None).await;
    assert_eq!(s, 403);
    let (s, _) = n
        .call(
            Method::PUT,
            &format!("/api/v1/businesses/2/canned-replies/{id}"),
            Some(&rival_owner),
            Some(json!({"shortcut": "x", "body": "y"})),
        )
        .await;
    assert_eq!(s, 404, "another business's reply is not there");
    let (_, list) = n
        .call(Method::GET, path, Some(&n.agent(2001, 1)), None)
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    n.stop().await;
}
