//! The community channel of a business: view, subscribe, staff posts, unsubscribe.

use crate::api::*;
use crate::Walk;
use reqwest::Method;
use serde_json::json;

/// Community: a business's broadcast channel, for subscribed customers and its staff.
pub async fn community(api: &mut Api<'_>, w: &Walk) {
    let tm = MESSAGES;
    let cust = w.cust.clone();
    let agent = w.agent.clone();
    let agent2 = w.agent2.clone();
    let tg = "/api/v1/businesses/{id}/community";
    let ts = "/api/v1/businesses/{id}/community/subscription";
    let a = api
        .call(
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(
        (a.status, &a.json["type"], &a.json["subscribed"]),
        (200, &json!("COMMUNITY"), &json!(false))
    );
    let community = s(&a.json["id"]);
    let a = api
        .call(
            Method::PUT,
            ts,
            "/api/v1/businesses/1/community/subscription",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 204);
    let a = api
        .call(
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            Some(&cust),
            Body::None,
        )
        .await;
    assert_eq!(
        (&a.json["subscribed"], &a.json["subscriberCount"]),
        (&json!(true), &json!(1))
    );
    let a = api
        .call(
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            Some(&agent),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    let pc = format!("/api/v1/conversations/{community}/messages");
    let a = api
        .call(
            Method::POST,
            tm,
            &pc,
            Some(&agent),
            Body::Json(json!({"body": "Sale on Friday"})),
        )
        .await;
    assert_eq!(a.status, 201);
    let a = api
        .call(
            Method::POST,
            tm,
            &pc,
            Some(&cust),
            Body::Json(json!({"body": "me too"})),
        )
        .await;
    assert_eq!(a.status, 403, "only staff post into a community");
    let a = api
        .call(Method::GET, tm, &pc, Some(&cust), Body::None)
        .await;
    assert_eq!(a.json["items"].as_array().unwrap().len(), 1);
    for (m, tpl, path, who, status) in [
        (
            Method::GET,
            tg,
            "/api/v1/businesses/1/community",
            &agent2,
            403,
        ),
        (
            Method::GET,
            tg,
            "/api/v1/businesses/999/community",
            &cust,
            404,
        ),
        (
            Method::GET,
            tg,
            "/api/v1/businesses/x/community",
            &cust,
            400,
        ),
        (
            Method::PUT,
            ts,
            "/api/v1/businesses/1/community/subscription",
            &agent,
            400,
        ),
        (
            Method::PUT,
            ts,
            "/api/v1/businesses/999/community/subscription",
            &cust,
            404,
        ),
        (
            Method::DELETE,
            ts,
            "/api/v1/businesses/1/community/subscription",
            &cust,
            204,
        ),
    ] {
        assert_eq!(
            api.call(m, tpl, path, Some(who), Body::None).await.status,
            status,
            "{path}"
        );
    }
    let a = api
        .call(Method::GET, tm, &pc, Some(&cust), Body::None)
        .await;
    assert_eq!(
        a.status, 403,
        "unsubscribed customers no longer read the channel"
    );
}
