//! Attachment file names and signed links against a real node and Postgres: the name comes from
//! the multipart `filename`, `X-File-Name` or `?name=`; a signed link opens the file without a
//! token until it expires, and the token path keeps working.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn upload(n: &TestNode, token: &str, conv: &str, path_query: &str, body: Vec<u8>) -> Value {
    let r = n
        .http
        .post(n.url(&format!(
            "/api/v1/conversations/{conv}/attachments{path_query}"
        )))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json().await.unwrap()
}

#[tokio::test]
async fn uploads_keep_their_file_name() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;

    let by_query = upload(
        &n,
        &c,
        &conv,
        "?name=quote%20(final).txt",
        b"notes".to_vec(),
    )
    .await;
    assert_eq!(by_query["fileName"], json!("quote (final).txt"));

    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("x-file-name", "C%3A%5Cphotos%5Cr%C3%A9sum%C3%A9.txt")
        .body("hello")
        .send()
        .await
        .unwrap();
    let by_header: Value = r.json().await.unwrap();
    assert_eq!(by_header["fileName"], json!("résumé.txt"));

    let mut body =
        b"--bb\r\nContent-Disposition: form-data; name=\"file\"; filename=\"wheel.txt\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(b"spokes\r\n--bb--\r\n");
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .header("content-type", "multipart/form-data; boundary=bb")
        .body(body)
        .send()
        .await
        .unwrap();
    let by_form: Value = r.json().await.unwrap();
    assert_eq!(by_form["fileName"], json!("wheel.txt"));

    let unnamed = upload(&n, &c, &conv, "", b"anonymous".to_vec()).await;
    assert_eq!(unnamed["fileName"], Value::Null);

    // The name travels with the message, and the download names the file too.
    let (s, m) = n
        .call(
            Method::POST,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&c),
            Some(json!({"clientId": "named", "attachmentIds": [by_header["id"]]})),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(m["attachments"][0]["fileName"], json!("résumé.txt"));
    let (_, page) = n
        .call(
            Method::GET,
            &format!("/api/v1/conversations/{conv}/messages"),
            Some(&c),
            None,
        )
        .await;
    let stored = page["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(stored["attachments"][0]["fileName"], json!("résumé.txt"));
    let r = n
        .http
        .get(n.url(by_header["url"].as_str().unwrap()))
        .bearer_auth(&c)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
    );
    n.stop().await;
}

#[tokio::test]
async fn signed_links_open_files_without_a_token() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let stranger = n.customer(101);
    let conv = n.open(&c, 1).await;
    let a = upload(&n, &c, &conv, "?name=a.txt", b"secret notes".to_vec()).await;
    let id = a["id"].as_str().unwrap();

    let (s, _) = n
        .call(
            Method::GET,
            &format!("/api/v1/attachments/{id}/link"),
            Some(&stranger),
            None,
        )
        .await;
    assert_eq!(s, 403, "only readers get a link");
    let (s, link) = n
        .call(
            Method::GET,
            &format!("/api/v1/attachments/{id}/link"),
            Some(&c),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let url = link["url"].as_str().unwrap();
    assert!(url.contains("?exp=") && url.contains("&sig="), "{url}");
    assert!(!url.contains("access_token"), "no token in the link");
    let expires = chrono::DateTime::parse_from_rfc3339(link["expiresAt"].as_str().unwrap())
        .unwrap()
        .timestamp();
    let now = chrono::Utc::now().timestamp();
    assert!(expires > now && expires <= now + 3600, "short-lived");

    let r = n.http.get(n.url(url)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"secret notes");

    // A changed id, expiry or signature is refused; so is an expired link.
    let other = upload(&n, &c, &conv, "", b"other".to_vec()).await;
    let forged = url.replace(
        &format!("/attachments/{id}?"),
        &format!("/attachments/{}?", other["id"].as_str().unwrap()),
    );
    let status = |u: String| {
        let http = n.http.clone();
        let full = n.url(&u);
        async move { http.get(full).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(forged).await, 403);
    let later = url.replace(&format!("exp={expires}"), &format!("exp={}", expires + 60));
    assert_eq!(status(later).await, 403);
    let mut bad_sig = url.to_string();
    bad_sig.pop();
    bad_sig.push('0');
    if bad_sig == url {
        bad_sig.pop();
        bad_sig.push('1');
    }
    assert_eq!(status(bad_sig).await, 403);
    let expired = format!("/api/v1/attachments/{id}?exp={}&sig=00", now - 10);
    assert_eq!(status(expired).await, 401);

    // The token paths still work.
    let plain = format!("/api/v1/attachments/{id}");
    let r = n
        .http
        .get(n.url(&format!("{plain}?access_token={c}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(status(plain).await, 401);
    n.stop().await;
}
