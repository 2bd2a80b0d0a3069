//! Attachments against a real node and Postgres: the 10 MiB cap, sniffed types, multipart,
//! and downloads to participants only.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn uploads_are_capped_sniffed_and_private() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    // a 2x3 PNG
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 2, 0, 0, 0, 3, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "text/html")
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            a["mimeType"].as_str(),
            a["width"].as_i64(),
            a["height"].as_i64()
        ),
        (Some("image/png"), Some(2), Some(3))
    );
    let (s, m) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&c),
            Some(json!({"clientId": "f1", "attachmentIds": [a["id"]]})),
        )
        .await;
    assert_eq!(
        (
            s,
            m["contentType"].as_str(),
            m["attachments"][0]["id"].clone()
        ),
        (201, Some("IMAGE"), a["id"].clone())
    );
    let url = a["url"].as_str().unwrap();
    let r = n.http.get(n.url(url)).bearer_auth(&c).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let r = n
        .http
        .get(n.url(url))
        .bearer_auth(n.customer(101))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let count = |n: &TestNode| {
        let pool = n.node.as_ref().unwrap().pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM attachments")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = count(&n).await;
    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(count(&n).await, before, "nothing kept");
    n.stop().await;
}

#[tokio::test]
async fn multipart_uploads_keycap_reactions_and_refused_sends_use_no_slot() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    let png: Vec<u8> = vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0,
        0, 0, 4, 0, 0, 0, 5, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let mut body = b"--b0undary\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nhi\r\n--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\nContent-Type: application/octet-stream\r\n\r\n".to_vec();
    body.extend_from_slice(&png);
    body.extend_from_slice(b"\r\n--b0undary--\r\n");
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (
            a["mimeType"].as_str(),
            a["sizeBytes"].as_i64(),
            a["width"].as_i64()
        ),
        (Some("image/png"), Some(png.len() as i64), Some(4))
    );
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "multipart/form-data; boundary=b0undary")
        .body("--b0undary--")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    let (_, m) = n.send(&c, &conv, "k", "react to me").await;
    let id = m["id"].as_str().unwrap();
    let (s, r) = n
        .call(
            Method::PUT,
            &format!("/api/v1/messages/{id}/reactions/1%EF%B8%8F%E2%83%A3"),
            Some(&c),
            None,
        )
        .await;
    assert_eq!(
        (s, r["reactions"][0]["emoji"].as_str()),
        (200, Some("1\u{fe0f}\u{20e3}"))
    );

    // 30 refused sends (empty bodies) use no slot: 19 more real ones still go through.
    for i in 0..30 {
        assert_eq!(n.send(&c, &conv, &format!("e{i}"), "  ").await.0, 400);
    }
    for i in 0..19 {
        assert_eq!(
            n.send(&c, &conv, &format!("ok{i}"), "x").await.0,
            201,
            "send {i}"
        );
    }
    assert_eq!(n.send(&c, &conv, "over", "x").await.0, 429);
    n.stop().await;
}
