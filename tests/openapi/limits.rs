//! Every limit the document states, probed at its edges: a value at the limit is accepted and one
//! just past it is refused with `400`, read from the document itself, so a limit changed in the
//! node and not in the document (or the other way round) fails here.

use crate::common::*;
use crate::DOC;
use reqwest::Method;
use serde_json::{json, Value};

fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    &doc["components"]["schemas"][name]
}

fn max_len(doc: &Value, name: &str) -> usize {
    schema(doc, name)["maxLength"].as_u64().unwrap() as usize
}

/// `n` characters of two bytes each: limits count characters, not bytes.
fn text(n: usize) -> String {
    "é".repeat(n)
}

fn percent(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn every_documented_limit_holds_at_its_edges() {
    let doc: Value = serde_json::from_str(DOC).unwrap();
    let n = TestNode::start().await;
    let c = n.customer(700);
    let conv = n.open(&c, 1).await;
    let messages = format!("/api/v1/conversations/{conv}/messages");
    let send = |client_id: String, body: String| {
        let (n, c, path) = (&n, &c, messages.clone());
        async move {
            n.call(
                Method::POST,
                &path,
                Some(c),
                Some(json!({"clientId": client_id, "body": body})),
            )
            .await
        }
    };

    // clientId: 1 to maxLength characters, no control character.
    let max = max_len(&doc, "ClientId");
    assert_eq!(send(text(max), "a".into()).await.0, 201);
    for bad in [text(max + 1), String::new(), "c\u{1}".into()] {
        let (s, v) = send(bad.clone(), "a".into()).await;
        assert_eq!(s, 400, "clientId {bad:?}: {v}");
    }
    // A body of maxLength characters, and one more.
    let max = max_len(&doc, "MessageBody");
    let (s, m) = send("b1".into(), text(max)).await;
    assert_eq!(s, 201, "{m}");
    assert_eq!(send("b2".into(), text(max + 1)).await.0, 400);
    // An edit: the same length, and it keeps a visible character.
    let max = max_len(&doc, "EditedBody");
    let edit = format!("/api/v1/messages/{}", m["id"].as_str().unwrap());
    for (body, want) in [(text(max), 200), (text(max + 1), 400), (" \n".into(), 400)] {
        let (s, v) = n
            .call(
                Method::PATCH,
                &edit,
                Some(&c),
                Some(json!({ "body": body })),
            )
            .await;
        assert_eq!(s, want, "edit of {} chars: {v}", body.chars().count());
    }

    // History `limit`: minimum to maximum.
    let p = &doc["paths"]["/api/v1/conversations/{id}/messages"]["get"]["parameters"];
    let limit = p
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    let (lo, hi) = (
        limit["schema"]["minimum"].as_i64().unwrap(),
        limit["schema"]["maximum"].as_i64().unwrap(),
    );
    for (l, want) in [(lo, 200), (hi, 200), (lo - 1, 400), (hi + 1, 400)] {
        let (s, _) = n
            .call(
                Method::GET,
                &format!("{messages}?limit={l}"),
                Some(&c),
                None,
            )
            .await;
        assert_eq!(s, want, "limit={l}");
    }

    // A reaction: one emoji of at most maxLength code points.
    let react = |emoji: &str| format!("{edit}/reactions/{}", percent(emoji));
    let max = max_len(&doc, "Emoji");
    let family = "👨\u{200d}👩\u{200d}👧\u{200d}👦"; // 7 code points
    assert!(max >= 7 && family.chars().count() == 7);
    let too_long = "👍".repeat(max + 1);
    for (emoji, want) in [("👍", 204), ("1\u{fe0f}\u{20e3}", 204), (family, 204)]
        .into_iter()
        .chain([("x", 400), ("\u{20e3}", 400), (too_long.as_str(), 400)])
    {
        let (s, v) = n.call(Method::PUT, &react(emoji), Some(&c), None).await;
        assert!(s == want || (want == 204 && s == 200), "{emoji:?}: {s} {v}");
    }

    // A business name: 1 to maxLength characters once trimmed, no control characters.
    let platform = n.auth.mint_platform("platform", 3600).unwrap();
    let max = max_len(&doc, "BusinessName");
    for (name, ok) in [
        (text(max), true),
        (format!("  {}  ", text(max)), true),
        (text(max + 1), false),
        ("   ".into(), false),
        ("Bikes\u{7}".into(), false),
    ] {
        let (s, v) = n
            .call(
                Method::PUT,
                "/api/v1/businesses/77",
                Some(&platform),
                Some(json!({ "name": name })),
            )
            .await;
        assert_eq!(s < 300, ok, "name {name:?}: {s} {v}");
    }

    // An upload: 1 byte to maxLength bytes (the largest is too slow for this test: 413 past it
    // is proven in tests/uploads.rs).
    let up = &doc["paths"]["/api/v1/conversations/{id}/attachments"]["post"]["requestBody"]
        ["content"]["application/octet-stream"]["schema"];
    assert_eq!(up["maxLength"], 10 * 1024 * 1024);
    let upload = |bytes: Vec<u8>| {
        n.http
            .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
            .bearer_auth(&c)
            .body(bytes)
            .send()
    };
    assert_eq!(upload(vec![b'a']).await.unwrap().status(), 201);
    assert_eq!(upload(Vec::new()).await.unwrap().status(), 400);
    n.stop().await;
}
