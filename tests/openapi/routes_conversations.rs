//! Conversations: open, view one, list, read receipts and typing.

use crate::api::*;
use crate::Walk;
use reqwest::Method;
use serde_json::json;

/// Opening a conversation: created, found again, bad input, unknown business, wrong role,
/// too large.
pub async fn open(api: &mut Api<'_>, w: &mut Walk) {
    let cust = w.cust.clone();
    let other = w.other.clone();
    let agent = w.agent.clone();
    let t = "/api/v1/conversations";
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"businessId": "1"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let conv = s(&a.json["id"]);
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"businessId": 1})),
        )
        .await;
    assert_eq!((a.status, s(&a.json["id"])), (200, conv.clone()));
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"business": "1"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&cust),
            Body::Json(json!({"businessId": "999"})),
        )
        .await;
    assert_eq!(a.status, 404);
    let a = api
        .call(
            Method::POST,
            t,
            t,
            Some(&agent),
            Body::Json(json!({"businessId": "1"})),
        )
        .await;
    assert_eq!(a.status, 403);
    let huge = json!({"businessId": "1", "pad": "x".repeat(70 * 1024)});
    let a = api
        .call(Method::POST, t, t, Some(&cust), Body::Json(huge))
        .await;
    assert_eq!(a.status, 413);
    let other_conv = {
        let a = api
            .call(
                Method::POST,
                t,
                t,
                Some(&other),
                Body::Json(json!({"businessId": "2"})),
            )
            .await;
        s(&a.json["id"])
    };
    w.conv = conv;
    w.other_conv = other_conv;
}

/// One conversation; the list with a last message and unread counts.
pub async fn view_and_list(api: &mut Api<'_>, w: &Walk) {
    let t = CONVERSATIONS;
    let cust = w.cust.clone();
    let other_conv = w.other_conv.clone();
    let agent = w.agent.clone();
    let agent2 = w.agent2.clone();
    let conv = w.conv.clone();
    let agent_msg = w.agent_msg.clone();
    let tc = "/api/v1/conversations/{id}";
    let a = api
        .call(
            Method::GET,
            tc,
            &format!("/api/v1/conversations/{conv}"),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!((a.status, &a.json["unreadCount"]), (200, &json!(1)));
    assert_eq!(a.json["lastMessage"]["id"], json!(agent_msg));
    for (path, who, status) in [
        ("/api/v1/conversations/abc".to_string(), &cust, 400),
        ("/api/v1/conversations/0".to_string(), &cust, 400),
        (format!("/api/v1/conversations/{other_conv}"), &cust, 403),
        (format!("/api/v1/conversations/{conv}"), &agent2, 403),
        ("/api/v1/conversations/987654".to_string(), &cust, 404),
    ] {
        assert_eq!(
            api.call(Method::GET, tc, &path, Some(who), Body::None)
                .await
                .status,
            status,
            "{path}"
        );
    }
    let a = api.call(Method::GET, t, t, Some(&agent), Body::None).await;
    let inbox = a.json["items"].as_array().unwrap();
    assert!(inbox.iter().any(|c| c["id"] == json!(conv)), "{inbox:?}");
    assert!(inbox.iter().all(|c| c["businessId"] == "1"));
    let a = api.call(Method::GET, t, t, Some(&cust), Body::None).await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 1);
}

/// Read receipts and typing.
pub async fn receipts_and_typing(api: &mut Api<'_>, w: &Walk) {
    let tc = CONVERSATION;
    let cust = w.cust.clone();
    let other = w.other.clone();
    let conv = w.conv.clone();
    let agent_msg = w.agent_msg.clone();
    let tr = "/api/v1/conversations/{id}/read";
    let pr = format!("/api/v1/conversations/{conv}/read");
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&cust),
            Body::Json(json!({"messageId": agent_msg})),
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&cust),
            Body::Json(json!({"messageId": "987654"})),
        )
        .await;
    assert_eq!(a.status, 404);
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&cust),
            Body::Json(json!({"message": "1"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::POST,
            tr,
            &pr,
            Some(&other),
            Body::Json(json!({"messageId": agent_msg})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::GET,
            tc,
            &format!("/api/v1/conversations/{conv}"),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.json["unreadCount"], 0);
    let tt = "/api/v1/conversations/{id}/typing";
    let pt = format!("/api/v1/conversations/{conv}/typing");
    let a = api
        .call(
            Method::POST,
            tt,
            &pt,
            Some(&cust),
            Body::Json(json!({"isTyping": true})),
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::POST,
            tt,
            &pt,
            Some(&cust),
            Body::Json(json!({"isTyping": "yes"})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::POST,
            tt,
            &pt,
            Some(&other),
            Body::Json(json!({"isTyping": true})),
        )
        .await;
    assert_eq!(a.status, 403);
}
