//! Messages: send, repeat, bad input, access, history; edit, reactions, delete; the rate limit.

use crate::api::*;
use crate::common::*;
use crate::Walk;
use reqwest::Method;
use serde_json::{json, Value};

/// Messages: send, repeat, bad input, access. History: latest, before, after, bad parameters.
pub async fn send_and_page(api: &mut Api<'_>, w: &mut Walk) {
    let cust = w.cust.clone();
    let other = w.other.clone();
    let agent = w.agent.clone();
    let agent2 = w.agent2.clone();
    let conv = w.conv.clone();
    let tm = "/api/v1/conversations/{id}/messages";
    let pm = format!("/api/v1/conversations/{conv}/messages");
    let mut sent = Vec::new();
    for i in 0..4 {
        let a = api
            .call(
                Method::POST,
                tm,
                &pm,
                Some(&cust),
                Body::Json(json!({"clientId": format!("oa-{i}"), "body": format!("hello {i}")})),
            )
            .await;
        assert_eq!(a.status, 201);
        sent.push(s(&a.json["id"]));
    }
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&cust),
            Body::Json(json!({"clientId": "oa-0", "body": "again"})),
        )
        .await;
    assert_eq!((a.status, s(&a.json["id"])), (200, sent[0].clone()));
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&agent),
            Body::Json(json!({"body": "Hi, Alice here"})),
        )
        .await;
    assert_eq!(
        (a.status, &a.json["sender"]["role"]),
        (201, &json!("AGENT"))
    );
    let agent_msg = s(&a.json["id"]);
    for bad in [
        json!({"body": ""}),
        json!({"body": "x".repeat(4001)}),
        json!({"body": 5}),
    ] {
        let a = api
            .call(Method::POST, tm, &pm, Some(&cust), Body::Json(bad))
            .await;
        assert_eq!(a.status, 400);
    }
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&other),
            Body::Json(json!({"body": "x"})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::POST,
            tm,
            &pm,
            Some(&agent2),
            Body::Json(json!({"body": "x"})),
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::POST,
            tm,
            "/api/v1/conversations/987654/messages",
            Some(&cust),
            Body::Json(json!({"body": "x"})),
        )
        .await;
    assert_eq!(a.status, 404);

    // History: latest, before, after, bad parameters.
    let a = api
        .call(Method::GET, tm, &pm, Some(&cust), Body::None)
        .await;
    assert_eq!(
        (
            a.json["items"].as_array().unwrap().len(),
            &a.json["hasMore"]
        ),
        (5, &json!(false))
    );
    let a = api
        .call(
            Method::GET,
            tm,
            &format!("{pm}?limit=2"),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.json["hasMore"], true);
    let a = api
        .call(
            Method::GET,
            tm,
            &format!("{pm}?before={}", sent[2]),
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 2);
    let a = api
        .call(
            Method::GET,
            tm,
            &format!("{pm}?after={}", sent[2]),
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 2);
    for q in [
        "?before=1&after=2",
        "?limit=0",
        "?limit=201",
        "?limit=x",
        "?after=x",
    ] {
        let a = api
            .call(
                Method::GET,
                tm,
                &format!("{pm}{q}"),
                Some(&cust),
                Body::None,
            )
            .await;
        assert_eq!(a.status, 400, "{q}");
    }
    let a = api
        .call(Method::GET, tm, &pm, Some(&other), Body::None)
        .await;
    assert_eq!(a.status, 403);
    w.sent = sent;
    w.agent_msg = agent_msg;
}

/// Edit, reactions, delete.
pub async fn edit_react_delete(api: &mut Api<'_>, w: &Walk) {
    let cust = w.cust.clone();
    let other = w.other.clone();
    let agent = w.agent.clone();
    let owner = w.owner.clone();
    let sent = w.sent.clone();
    let file_msg = w.file_msg.clone();
    let te = "/api/v1/messages/{id}";
    let pe = format!("/api/v1/messages/{}", sent[1]);
    let a = api
        .call(
            Method::PATCH,
            te,
            &pe,
            Some(&cust),
            Body::Json(json!({"body": "<i>edited</i>"})),
        )
        .await;
    assert_eq!(
        (a.status, &a.json["body"]),
        (200, &json!("<i>edited</i>")),
        "stored as typed"
    );
    assert!(a.json["editedAt"].is_string());
    for (who, b, status) in [
        (&agent, json!({"body": "mine now"}), 403),
        (&cust, json!({"body": "  "}), 400),
        (&cust, json!({"text": "x"}), 400),
        (&other, json!({"body": "x"}), 403),
    ] {
        assert_eq!(
            api.call(Method::PATCH, te, &pe, Some(who), Body::Json(b))
                .await
                .status,
            status
        );
    }
    assert_eq!(
        api.call(
            Method::PATCH,
            te,
            "/api/v1/messages/987654",
            Some(&cust),
            Body::Json(json!({"body": "x"}))
        )
        .await
        .status,
        404
    );
    let tx = "/api/v1/messages/{id}/reactions/{emoji}";
    let px = format!("/api/v1/messages/{}/reactions/%F0%9F%91%8D", sent[1]);
    let a = api
        .call(Method::PUT, tx, &px, Some(&agent), Body::None)
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.json["reactions"],
        json!([{"emoji": "👍", "userIds": ["2001"], "count": 1}])
    );
    let a = api
        .call(Method::PUT, tx, &px, Some(&cust), Body::None)
        .await;
    assert_eq!(
        a.json["reactions"][0]["userIds"].as_array().unwrap().len(),
        2
    );
    let a = api
        .call(Method::DELETE, tx, &px, Some(&agent), Body::None)
        .await;
    assert_eq!(
        (a.status, &a.json["reactions"][0]["userIds"]),
        (200, &json!(["300"]))
    );
    let bad = format!("/api/v1/messages/{}/reactions/abc", sent[1]);
    assert_eq!(
        api.call(Method::PUT, tx, &bad, Some(&cust), Body::None)
            .await
            .status,
        400
    );
    assert_eq!(
        api.call(Method::PUT, tx, &px, Some(&other), Body::None)
            .await
            .status,
        403
    );
    let pd = format!("/api/v1/messages/{}", sent[2]);
    assert_eq!(
        api.call(Method::DELETE, te, &pd, Some(&agent), Body::None)
            .await
            .status,
        403
    );
    let a = api
        .call(Method::DELETE, te, &pd, Some(&cust), Body::None)
        .await;
    assert_eq!((a.status, &a.json["body"]), (200, &json!("")));
    assert!(a.json["deletedAt"].is_string());
    assert_eq!(
        api.call(Method::DELETE, te, &pd, Some(&cust), Body::None)
            .await
            .status,
        404
    );
    let a = api
        .call(
            Method::DELETE,
            te,
            &format!("/api/v1/messages/{file_msg}"),
            Some(&owner),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200, "an owner deletes a customer's message");
    assert_eq!(
        (&a.json["attachments"], &a.json["fileUrl"]),
        (&json!([]), &Value::Null)
    );
}

/// Rate limit: a fresh customer's 21st message in 5 s is refused and not stored.
#[tokio::test]
async fn the_twenty_first_message_in_five_seconds_is_refused_as_documented() {
    let n = TestNode::start().await;
    let mut api = Api::new(&n);
    let t = CONVERSATIONS;
    let tm = MESSAGES;
    let rl = n.customer(302);
    let rconv = {
        let a = api
            .call(
                Method::POST,
                t,
                t,
                Some(&rl),
                Body::Json(json!({"businessId": "1"})),
            )
            .await;
        s(&a.json["id"])
    };
    let prl = format!("/api/v1/conversations/{rconv}/messages");
    // All at once, so that the window cannot slide on a slow machine.
    let ids: Vec<String> = (0..20).map(|i| format!("r{i}")).collect();
    let sends = ids.iter().map(|id| n.send(&rl, &rconv, id, id));
    let statuses: Vec<u16> = futures_util::future::join_all(sends)
        .await
        .into_iter()
        .map(|(status, _)| status)
        .collect();
    assert_eq!(statuses, vec![201; 20]);
    let a = api
        .call(
            Method::POST,
            tm,
            &prl,
            Some(&rl),
            Body::Json(json!({"body": "one too many"})),
        )
        .await;
    assert_eq!((a.status, &a.json["code"]), (429, &json!("rate_limited")));
    assert!(a.json["retryAfterMs"].as_u64().is_some_and(|ms| ms <= 5000));
    n.stop().await;
}
