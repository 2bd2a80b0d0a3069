//! Provisioning: the platform creates, renames and lists businesses with a PLATFORM token.

use crate::api::*;
use reqwest::Method;
use serde_json::json;

pub async fn provision(api: &mut Api<'_>) {
    let platform = api.node.auth.mint_platform("platform", 3600).unwrap();
    let customer = api.node.customer(390);
    let one = "/api/v1/businesses/{id}";
    let list = "/api/v1/businesses";

    let a = api
        .call(
            Method::PUT,
            one,
            "/api/v1/businesses/70",
            Some(&platform),
            Body::Json(json!({"name": "Lakeside Florist"})),
        )
        .await;
    assert_eq!((a.status, &a.json["id"]), (201, &json!("70")));
    let a = api
        .call(
            Method::PUT,
            one,
            "/api/v1/businesses/70",
            Some(&platform),
            Body::Json(json!({"name": "Lakeside Florist"})),
        )
        .await;
    assert_eq!(a.status, 200, "a repeated create changes nothing");
    let a = api
        .call(
            Method::PUT,
            one,
            "/api/v1/businesses/70",
            Some(&platform),
            Body::Json(json!({"name": "Lakeside Flowers"})),
        )
        .await;
    assert_eq!(
        (a.status, &a.json["name"]),
        (200, &json!("Lakeside Flowers"))
    );
    let a = api
        .call(
            Method::PUT,
            one,
            "/api/v1/businesses/70",
            Some(&platform),
            Body::Json(json!({"name": "  "})),
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::PUT,
            one,
            "/api/v1/businesses/70",
            Some(&customer),
            Body::Json(json!({"name": "Mine now"})),
        )
        .await;
    assert_eq!(a.status, 403, "only the platform provisions");
    let a = api
        .call(
            Method::PUT,
            one,
            "/api/v1/businesses/70",
            Some(&platform),
            Body::Raw(vec![b'x'; 70 * 1024]),
        )
        .await;
    assert_eq!(a.status, 413);

    let a = api
        .call(
            Method::GET,
            one,
            "/api/v1/businesses/70",
            Some(&platform),
            Body::None,
        )
        .await;
    assert_eq!(
        (a.status, &a.json["name"]),
        (200, &json!("Lakeside Flowers"))
    );
    let a = api
        .call(
            Method::GET,
            one,
            "/api/v1/businesses/71",
            Some(&platform),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 404);

    let a = api
        .call(
            Method::GET,
            list,
            "/api/v1/businesses?limit=2",
            Some(&platform),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json["items"].as_array().unwrap().len(), 2);
    let next = s(&a.json["nextAfter"]);
    let a = api
        .call(
            Method::GET,
            list,
            &format!("/api/v1/businesses?after={next}&limit=500"),
            Some(&platform),
            Body::None,
        )
        .await;
    let ids: Vec<String> = a.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| s(&b["id"]))
        .collect();
    assert_eq!(ids, ["3", "70"], "the seeded 1..3, then 70");
    assert!(a.json.get("nextAfter").is_none());
    let a = api
        .call(
            Method::GET,
            list,
            "/api/v1/businesses?limit=0",
            Some(&platform),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 400);
    let a = api
        .call(
            Method::GET,
            list,
            "/api/v1/businesses",
            Some(&customer),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 403);
    let a = api
        .call(
            Method::GET,
            list,
            "/api/v1/businesses",
            Some("not-a-token"),
            Body::None,
        )
        .await;
    assert_eq!(a.status, 401);
}
