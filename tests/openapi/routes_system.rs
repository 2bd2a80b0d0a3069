//! The document itself, system routes, the token requirement, the event stream, the
//! WebSocket upgrade, the widget bundle and the demo pages.

use crate::api::*;
use crate::common::*;
use crate::Walk;
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Value};

/// The served document is the file; health, readiness and metrics.
pub async fn document_and_system(api: &mut Api<'_>) {
    // The served document is the file.
    let a = api
        .call(
            Method::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            Body::None,
        )
        .await;
    assert_eq!(a.json, api.doc);

    // System.
    let a = api
        .call(Method::GET, "/health", "/health", None, Body::None)
        .await;
    assert_eq!(a.json["status"], "ok");
    let a = api
        .call(Method::GET, "/ready", "/ready", None, Body::None)
        .await;
    assert_eq!((a.status, &a.json["redis"]), (200, &Value::Null));
    assert_eq!(
        api.call(Method::GET, "/metrics", "/metrics", None, Body::None)
            .await
            .status,
        200
    );
}

/// Every secured operation refuses a request without a token, as documented.
pub async fn secured_routes_refuse_without_a_token(api: &mut Api<'_>) {
    for (method, template) in api.secured() {
        let a = api
            .call(
                method.clone(),
                &template,
                &fill(&template),
                None,
                Body::None,
            )
            .await;
        assert_eq!(a.status, 401, "{method} {template}");
        assert_eq!(a.json["code"], "unauthorized");
    }
}

/// SSE: an event stream, with or without a cursor. WebSocket: 101 with a token, 400 for a
/// plain GET.
pub async fn event_stream_and_socket(api: &mut Api<'_>, w: &Walk) {
    let n = api.node;
    let cust = w.cust.clone();
    let tv = "/api/v1/events";
    for cursor in [None, Some("v1.1700000000000.1-1")] {
        let mut rb = n.http.get(n.url(tv)).bearer_auth(&cust);
        if let Some(c) = cursor {
            rb = rb.header("last-event-id", c);
        }
        let r = rb.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        drop(r);
        api.verify(&Method::GET, tv, status, &headers, b"");
        assert_eq!(status, 200);
        assert_eq!(headers[CONTENT_TYPE], "text/event-stream");
    }

    // WebSocket: 101 with a token, 400 for a plain GET.
    let (ws, resp) = tokio_tungstenite::connect_async(format!("{}?access_token={cust}", n.ws))
        .await
        .expect("upgrade");
    api.verify(
        &Method::GET,
        "/ws",
        resp.status().as_u16(),
        &Default::default(),
        b"",
    );
    drop(ws);
    let a = api
        .call(Method::GET, "/ws", "/ws", Some(&cust), Body::None)
        .await;
    assert_eq!(a.status, 400);
}

/// Widget bundle and demo pages (this node runs with --demo).
pub async fn widget_and_demo(api: &mut Api<'_>) {
    let t = CONVERSATIONS;
    let tw = "/widget/{file}";
    let a = api
        .call(
            Method::GET,
            tw,
            "/widget/chat-widget.es.js",
            None,
            Body::None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    for missing in ["/widget/missing.js", "/widget/..secret"] {
        assert_eq!(
            api.call(Method::GET, tw, missing, None, Body::None)
                .await
                .status,
            404
        );
    }
    for page in ["/demo", "/demo/customer", "/demo/agent"] {
        let a = api.call(Method::GET, page, page, None, Body::None).await;
        assert_eq!(a.status, 200, "{page}");
    }
    let td = "/demo/session";
    let a = api.call(Method::GET, td, td, None, Body::None).await;
    assert_eq!(
        (&a.json["userId"], &a.json["role"]),
        (&json!("1001"), &json!("CUSTOMER"))
    );
    let a = api
        .call(
            Method::GET,
            td,
            "/demo/session?as=customer&user=4242&name=Dana",
            None,
            Body::None,
        )
        .await;
    assert_eq!(
        (&a.json["userId"], &a.json["name"]),
        (&json!("4242"), &json!("Dana"))
    );
    let token = s(&a.json["token"]);
    let a = api.call(Method::GET, t, t, Some(&token), Body::None).await;
    assert_eq!(a.status, 200, "a demo token is a valid token");
    let a = api
        .call(Method::GET, td, "/demo/session?as=agent", None, Body::None)
        .await;
    assert_eq!(
        (&a.json["role"], &a.json["businessId"]),
        (&json!("AGENT"), &json!("1"))
    );
    for q in ["?as=boss", "?user=0", "?user=abc"] {
        let a = api
            .call(Method::GET, td, &format!("{td}{q}"), None, Body::None)
            .await;
        assert_eq!(a.status, 400, "{q}");
    }
}

#[tokio::test]
async fn demo_routes_are_not_found_without_demo_mode() {
    let n = TestNode::start().await;
    let mut api = Api::new(&n);
    for path in ["/demo", "/demo/customer", "/demo/agent", "/demo/session"] {
        let a = api.call(Method::GET, path, path, None, Body::None).await;
        assert_eq!(
            (a.status, &a.json["code"]),
            (404, &json!("not_found")),
            "{path}"
        );
    }
    n.stop().await;
}
