//! `resume` and REST history with `since`: a client told to resync reaches messages below the
//! highest id it has (another node's, committed while events were lost), whatever their ids.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn replay(ws: &mut Ws, conv: &str, after: &str, since: Option<&str>) -> (Vec<String>, Value) {
    let mut frame = json!({"type": "resume", "conversationId": conv, "afterId": after});
    if let Some(since) = since {
        frame["since"] = json!(since);
    }
    ws_send(ws, frame).await;
    let mut ids = Vec::new();
    loop {
        let e = next_event(ws).await;
        match e["type"].as_str() {
            Some("message.new") => ids.push(e["message"]["id"].as_str().unwrap().to_string()),
            Some("resume.done") => return (ids, e),
            Some("error") => panic!("{e}"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn since_reaches_below_after_id_on_websocket_and_rest() {
    let n = TestNode::start().await;
    let cust = n.customer(100);
    let conv = n.open(&cust, 1).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (s, m) = n.send(&cust, &conv, &format!("s{i}"), "hi").await;
        assert_eq!(s, 201);
        ids.push(m["id"].as_str().unwrap().to_string());
    }
    let newest = ids[2].clone();
    let now = chrono::Utc::now().to_rfc3339();
    let mut ws = ws_connect(&n, &cust).await;

    let (got, done) = replay(&mut ws, &conv, &newest, None).await;
    assert!(got.is_empty(), "{got:?}");
    assert_eq!(done["lastId"], newest.as_str());
    // `since` now: everything created in the margin before it comes again, in id order, and
    // `lastId` never goes below `afterId`.
    let (got, done) = replay(&mut ws, &conv, &newest, Some(&now)).await;
    assert_eq!(got, ids);
    assert_eq!(done["lastId"], newest.as_str());
    // A time far off is kept within the window instead of reaching the database as is.
    let (got, _) = replay(&mut ws, &conv, &newest, Some("0001-01-01T00:00:00Z")).await;
    assert_eq!(got, ids);
    let (got, _) = replay(&mut ws, &conv, &newest, Some("9999-12-31T23:59:59Z")).await;
    assert_eq!(got, ids, "a future since counts as now");

    let path = |q: &str| format!("/api/v1/conversations/{conv}/messages?{q}");
    let since = urlencode(&now);
    let (s, page) = n
        .call(
            Method::GET,
            &path(&format!("after={newest}&since={since}")),
            Some(&cust),
            None,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    let got: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids);
    for bad in [
        format!("since={since}"),
        format!("after={newest}&since=yesterday"),
    ] {
        let (s, v) = n.call(Method::GET, &path(&bad), Some(&cust), None).await;
        assert_eq!((s, &v["code"]), (400, &json!("bad_request")), "{bad}: {v}");
    }
    n.stop().await;
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
