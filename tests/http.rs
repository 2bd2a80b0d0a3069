//! The HTTP edge against a real node: CORS, request ids, unknown routes, WebSocket subprotocol
//! refusal, token transport and issuer/audience rules, and the widget's static files.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use servihub_actors::protocol::Role;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn get(n: &TestNode, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    request(n, Method::GET, path, headers).await
}

async fn request(
    n: &TestNode,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut rb = n.http.request(method, n.url(path));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    rb.send().await.expect("the node answers")
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn cors_answers_only_the_configured_origin() {
    let n = TestNode::start().await;
    let shop = [("origin", "http://shop.example")];
    let r = request(&n, Method::OPTIONS, "/api/v1/conversations", &shop).await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        header(&r, "access-control-allow-origin"),
        Some("http://shop.example")
    );
    assert!(header(&r, "access-control-allow-methods")
        .unwrap()
        .contains("PATCH"));
    assert!(header(&r, "access-control-allow-headers")
        .unwrap()
        .contains("last-event-id"));
    assert_eq!(header(&r, "vary"), Some("origin"));
    let r = get(&n, "/health", &shop).await;
    assert_eq!(
        header(&r, "access-control-allow-origin"),
        Some("http://shop.example")
    );
    for other in [vec![("origin", "http://evil.example")], vec![]] {
        let r = get(&n, "/health", &other).await;
        assert_eq!(r.status(), 200);
        assert_eq!(header(&r, "access-control-allow-origin"), None);
    }
    n.stop().await;

    let any = TestNode::start_with(|c| c.cors_origin = Some("*".into())).await;
    let r = get(&any, "/health", &[("origin", "http://anyone.example")]).await;
    assert_eq!(header(&r, "access-control-allow-origin"), Some("*"));
    any.stop().await;

    let none = TestNode::start_with(|c| c.cors_origin = None).await;
    let r = request(&none, Method::OPTIONS, "/api/v1/conversations", &shop).await;
    assert_eq!(r.status(), 204);
    assert_eq!(header(&r, "access-control-allow-origin"), None);
    none.stop().await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let n = TestNode::start().await;
    let r = get(&n, "/health", &[("x-request-id", "req-42")]).await;
    assert_eq!(header(&r, "x-request-id"), Some("req-42"));
    let r = get(&n, "/nope", &[]).await;
    let made = header(&r, "x-request-id").unwrap().to_string();
    assert_eq!(made.len(), 36, "a UUID: {made}");
    let long = "x".repeat(65);
    let r = get(&n, "/health", &[("x-request-id", &long)]).await;
    let id = header(&r, "x-request-id").unwrap();
    assert_ne!(id, long, "an over-long id is replaced");
    assert_eq!(id.len(), 36);
    n.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404() {
    let n = TestNode::start().await;
    let t = n.customer(400);
    for (m, path) in [
        (Method::GET, "/nope"),
        (Method::POST, "/health"),
        (Method::GET, "/api/v1/nope"),
        (Method::DELETE, "/api/v1/conversations"),
        (Method::GET, "/api/v1/conversations/1/nope"),
        (Method::POST, "/widget/chat-widget.es.js"),
        (Method::POST, "/demo"),
    ] {
        let (s, v) = n.call(m.clone(), path, Some(&t), None).await;
        assert_eq!(
            (s, v["code"].as_str()),
            (404, Some("not_found")),
            "{m} {path}"
        );
    }
    let (_, v) = n.call(Method::GET, "/nope", None, None).await;
    assert_eq!(v["message"], "no route for GET /nope");
    n.stop().await;
}

#[tokio::test]
async fn websocket_refuses_unknown_subprotocols_before_upgrading() {
    let n = TestNode::start().await;
    let t = n.customer(401);
    let mut req = format!("{}?access_token={t}", n.ws)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", "graphql-ws".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 400);
            let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
            assert_eq!(body["code"], "bad_request");
            assert!(body["message"]
                .as_str()
                .unwrap()
                .contains("servihub.v1.json"));
        }
        other => panic!("expected an HTTP 400, got {other:?}"),
    }
    let mut req = n.ws.clone().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {t}").parse().unwrap());
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "x-other, servihub.v1.json".parse().unwrap(),
    );
    let (mut ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("the header token opens a socket");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "servihub.v1.json");
    assert_eq!(next_event(&mut ws).await["type"], "hello");
    n.stop().await;
}

#[tokio::test]
async fn token_transport_and_claims() {
    let n = TestNode::start().await;
    let t = n.customer(402);
    let r = get(
        &n,
        "/api/v1/conversations",
        &[("authorization", &format!("bearer {t}"))],
    )
    .await;
    assert_eq!(r.status(), 200, "the scheme is case-insensitive");
    let r = get(
        &n,
        "/api/v1/conversations",
        &[("authorization", &format!("Basic {t}"))],
    )
    .await;
    assert_eq!(r.status(), 401, "only bearer tokens");
    let zero = n.token(0, Role::Customer, None, "nobody");
    let (s, v) = n
        .call(Method::GET, "/api/v1/conversations", Some(&zero), None)
        .await;
    assert_eq!((s, v["code"].as_str()), (401, Some("unauthorized")));
    // A staff token's businessId is what scopes it; a customer's is ignored.
    let cust_with_business = n.token(403, Role::Customer, Some(1), "Casey");
    let (s, v) = n
        .call(
            Method::GET,
            "/api/v1/businesses/2/community",
            Some(&cust_with_business),
            None,
        )
        .await;
    assert_eq!((s, v["type"].as_str()), (200, Some("COMMUNITY")));
    n.stop().await;
}

#[tokio::test]
async fn issuer_and_audience_must_match_when_configured() {
    let n = TestNode::start_with(|c| {
        c.jwt.issuer = Some("servihub".into());
        c.jwt.audience = Some("chat".into());
    })
    .await;
    let good = n.customer(404);
    assert_eq!(
        n.call(Method::GET, "/api/v1/conversations", Some(&good), None)
            .await
            .0,
        200
    );
    let mint = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::default(),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    };
    let exp = chrono::Utc::now().timestamp() + 600;
    for claims in [
        json!({"sub": "404", "role": "CUSTOMER", "exp": exp}),
        json!({"sub": "404", "role": "CUSTOMER", "exp": exp, "iss": "servihub"}),
        json!({"sub": "404", "role": "CUSTOMER", "exp": exp, "iss": "other", "aud": "chat"}),
        json!({"sub": "404", "role": "CUSTOMER", "exp": exp, "iss": "servihub", "aud": "web"}),
    ] {
        let (s, _) = n
            .call(
                Method::GET,
                "/api/v1/conversations",
                Some(&mint(claims.clone())),
                None,
            )
            .await;
        assert_eq!(s, 401, "{claims}");
    }
    let ok =
        mint(json!({"sub": 404, "role": "CUSTOMER", "exp": exp, "iss": "servihub", "aud": "chat"}));
    assert_eq!(
        n.call(Method::GET, "/api/v1/conversations", Some(&ok), None)
            .await
            .0,
        200,
        "a numeric sub is accepted"
    );
    n.stop().await;
}

#[tokio::test]
async fn widget_files_get_their_content_types() {
    let dir = std::env::temp_dir().join(format!("shc-static-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    let files = [
        ("w.js", "text/javascript; charset=utf-8"),
        ("w.mjs", "text/javascript; charset=utf-8"),
        ("w.css", "text/css; charset=utf-8"),
        ("w.html", "text/html; charset=utf-8"),
        ("w.js.map", "application/json"),
        ("w.json", "application/json"),
        ("w.svg", "image/svg+xml"),
        ("w.bin", "application/octet-stream"),
    ];
    for (f, _) in files {
        std::fs::write(dir.join("dist").join(f), f).unwrap();
    }
    let n = TestNode::start_with(|c| c.widget_dir = dir.to_string_lossy().into_owned()).await;
    for (f, ctype) in files {
        let r = get(&n, &format!("/widget/{f}"), &[]).await;
        assert_eq!(r.status(), 200, "{f}");
        assert_eq!(header(&r, "content-type"), Some(ctype), "{f}");
        assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
        assert!(header(&r, "cache-control").unwrap().contains("max-age=300"));
        assert_eq!(r.text().await.unwrap(), f);
    }
    for bad in ["/widget/.hidden", "/widget/a%2Fb", "/widget/nope.js"] {
        assert_eq!(get(&n, bad, &[]).await.status(), 404, "{bad}");
    }
    n.stop().await;
    let _ = std::fs::remove_dir_all(dir);
}
