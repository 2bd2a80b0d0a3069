//! The support desk's REST calls, as the desk tests make them.

use super::TestNode;
use reqwest::Method;
use serde_json::{json, Value};

pub async fn status(n: &TestNode, token: &str, conv: &str, body: Value) -> (u16, Value) {
    n.call(
        Method::POST,
        &format!("/api/v1/conversations/{conv}/status"),
        Some(token),
        Some(body),
    )
    .await
}

pub async fn assign(n: &TestNode, token: &str, conv: &str, user: Value) -> (u16, Value) {
    n.call(
        Method::POST,
        &format!("/api/v1/conversations/{conv}/assignee"),
        Some(token),
        Some(json!({ "userId": user })),
    )
    .await
}

pub async fn inbox(n: &TestNode, token: &str, query: &str) -> Value {
    let (s, v) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn updated(conv: &str, status: &'static str) -> impl Fn(&Value) -> bool {
    let conv = conv.to_string();
    move |e: &Value| e["conversationId"] == conv.as_str() && e["status"] == status
}

/// `POST /conversations` for business 1: the status and the conversation.
pub async fn open_answer(n: &TestNode, token: &str) -> (u16, Value) {
    n.call(
        Method::POST,
        "/api/v1/conversations",
        Some(token),
        Some(json!({"businessId": "1"})),
    )
    .await
}

/// `PUT /businesses/1/settings`.
pub async fn settings(n: &TestNode, token: &str, body: Value) -> (u16, Value) {
    n.call(
        Method::PUT,
        "/api/v1/businesses/1/settings",
        Some(token),
        Some(body),
    )
    .await
}
