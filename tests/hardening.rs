//! A hostile client against a real node: connection caps and timeouts, content kept inert,
//! bad input answered with the protocol's errors (never 500), every fan-out rate limited,
//! tokens honoured to the second, and WebSocket protocol violations closed with their codes.

mod common;

use common::{listen, TestNode, Transport, SECRET};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn raw(n: &TestNode) -> TcpStream {
    TcpStream::connect(n.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Reads what the server sends until it closes (or `limit` passes).
async fn read_until_closed(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (out, true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (out, false),
        }
    }
}

#[tokio::test]
async fn connections_are_capped_per_address_and_answered_at_once() {
    let n = TestNode::start_with(|c| c.max_connections_per_ip = 4).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(raw(&n).await);
    }
    let started = Instant::now();
    let mut extra = raw(&n).await;
    let (answer, closed) = read_until_closed(&mut extra, Duration::from_secs(2)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");
    assert!(text.contains("overloaded"));
    assert!(closed && started.elapsed() < Duration::from_secs(1));
    drop(held);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (s, _) = n.call(Method::GET, "/health", None, None).await;
    assert_eq!(s, 200, "closed connections give their slots back");
    n.stop().await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let n = TestNode::start().await;
    let mut slow = raw(&n).await;
    slow.write_all(b"G").await.unwrap();
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(15)).await;
    assert!(closed, "still open after 15 s");
    assert!(started.elapsed() >= Duration::from_secs(9));
    n.stop().await;
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_dropped_after_the_header_timeout() {
    let n = TestNode::start().await;
    let mut silent = raw(&n).await;
    let started = Instant::now();
    // Meanwhile the node answers others as usual.
    let (s, _) = n.call(Method::GET, "/health", None, None).await;
    assert_eq!(s, 200);
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(15)).await;
    assert!(closed, "still open after 15 s");
    assert!(started.elapsed() >= Duration::from_secs(9));
    n.stop().await;
}

#[tokio::test]
async fn text_is_stored_as_typed_and_bad_input_is_a_clear_error() {
    let n = TestNode::start().await;
    let sneaky = n.token(
        300,
        servihub_actors::protocol::Role::Customer,
        None,
        "<b>Eve</b>\u{0}",
    );
    let conv = n.open(&sneaky, 1).await;
    for body in ["<<b>script>alert(1)<</b>/script>", "a<b", "if a<b then c>d"] {
        let (s, m) = n
            .send(&sneaky, &conv, &format!("t{}", body.len()), body)
            .await;
        assert_eq!((s, m["body"].as_str()), (201, Some(body)), "{m}");
        assert_eq!(
            m["sender"]["name"], "<b>Eve</b>",
            "names are plain text, no NUL"
        );
    }
    let (s, e) = n.send(&sneaky, &conv, "nul\u{0}id", "x").await;
    assert_eq!((s, e["code"].as_str()), (400, Some("bad_request")), "{e}");
    let long_in_bytes = "é".repeat(100);
    let (s, _) = n
        .send(&sneaky, &conv, &long_in_bytes, "100 characters")
        .await;
    assert_eq!(s, 201, "clientId is counted in characters");
    let (_, m) = n.send(&sneaky, &conv, "r1", "react to me").await;
    let id = m["id"].as_str().unwrap();
    for bad in ["%3Csvg%2Fonload%3Dx%3E%C3%A9", "a", "%C3%A9"] {
        let (s, e) = n
            .call(
                Method::PUT,
                &format!("/api/v1/messages/{id}/reactions/{bad}"),
                Some(&sneaky),
                None,
            )
            .await;
        assert_eq!(
            (s, e["code"].as_str()),
            (400, Some("bad_request")),
            "{bad}: {e}"
        );
    }
    // An SSE cursor from the far past means "now", not a database error.
    for cursor in [
        "v1.-99999999999999.1-2",
        "v1.0.",
        "v1.99999999999999.",
        "garbage",
    ] {
        let r = n
            .http
            .get(n.url("/api/v1/events"))
            .bearer_auth(&sneaky)
            .header("last-event-id", cursor)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{cursor}");
    }
    n.stop().await;
}

#[tokio::test]
async fn every_fan_out_is_rate_limited() {
    let n = TestNode::start().await;
    let c = n.customer(400);
    let conv = n.open(&c, 1).await;
    let (_, m) = n.send(&c, &conv, "m1", "hello").await;
    let id = m["id"].as_str().unwrap();
    let mut statuses = Vec::new();
    for i in 0..40 {
        let method = if i % 2 == 0 {
            Method::PUT
        } else {
            Method::DELETE
        };
        let path = format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D");
        statuses.push(n.call(method, &path, Some(&c), None).await.0);
    }
    assert!(statuses[..30].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[30..].iter().all(|s| *s == 429), "{statuses:?}");
    let (s, _) = n.send(&c, &conv, "m2", "sends have their own window").await;
    assert_eq!(s, 201);
    n.stop().await;
}

fn token(claims: Value) -> String {
    use jsonwebtoken::{encode, EncodingKey, Header};
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn tokens_are_honoured_to_the_second() {
    let n = TestNode::start_with(|c| c.jwt.audience = Some("servihub-chat".into())).await;
    let now = chrono::Utc::now().timestamp();
    let aud = json!(["billing", "servihub-chat"]);
    let ok = token(json!({"sub": "5", "role": "CUSTOMER", "exp": now + 600, "aud": aud}));
    let (s, _) = n
        .call(Method::GET, "/api/v1/conversations", Some(&ok), None)
        .await;
    assert_eq!(s, 200, "an aud array holding our audience is accepted");
    let early = token(json!({"sub": "5", "role": "CUSTOMER", "exp": now + 600,
        "nbf": now + 300, "aud": "servihub-chat"}));
    let (s, _) = n
        .call(Method::GET, "/api/v1/conversations", Some(&early), None)
        .await;
    assert_eq!(s, 401, "not before nbf");

    let short =
        token(json!({"sub": "5", "role": "CUSTOMER", "exp": now + 2, "aud": "servihub-chat"}));
    let mut ws = listen(&n.base, &short, None, Transport::Ws, None).await;
    let closed = ws.expect("closed", Duration::from_secs(5), |_| true).await;
    assert_eq!(
        closed["code"], 4001,
        "closed when the token expires: {closed}"
    );
    n.stop().await;
}

/// Opens a WebSocket by hand, to send frames no well-behaved client library would.
async fn handshake(n: &TestNode, token: &str) -> TcpStream {
    let mut s = raw(n).await;
    let req = format!(
        "GET /ws?access_token={token} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("\r\n\r\n") {
        let k = s.read(&mut buf).await.unwrap();
        got.extend_from_slice(&buf[..k]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 101"));
    s
}

/// The close code in the last close frame the server sent.
fn close_code(bytes: &[u8]) -> Option<u16> {
    let at = bytes.windows(2).rposition(|w| w[0] == 0x88 && w[1] >= 2)?;
    Some(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]))
}

#[tokio::test]
async fn protocol_violations_close_with_their_codes() {
    let n = TestNode::start().await;
    let t = n.customer(500);
    let masked = |opcode: u8, payload: &[u8]| {
        let mask = [1u8, 2, 3, 4];
        let mut f = vec![0x80 | opcode, 0x80 | payload.len() as u8];
        f.extend_from_slice(&mask);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        f
    };
    let cases: [(&str, Vec<u8>, u16); 3] = [
        ("reserved opcode", masked(0x3, b""), 1002),
        ("unmasked frame", vec![0x81, 0x02, b'h', b'i'], 1002),
        ("bad UTF-8", masked(0x1, &[0xff, 0xfe]), 1007),
    ];
    for (what, frame, code) in cases {
        let mut s = handshake(&n, &t).await;
        s.write_all(&frame).await.unwrap();
        let (bytes, _) = read_until_closed(&mut s, Duration::from_secs(5)).await;
        assert_eq!(close_code(&bytes), Some(code), "{what}");
    }
    n.stop().await;
}

#[tokio::test]
async fn uploads_in_flight_are_capped_per_user() {
    let n = TestNode::start().await;
    let c = n.customer(600);
    let conv = n.open(&c, 1).await;
    let mut trickling = Vec::new();
    for _ in 0..2 {
        let mut s = raw(&n).await;
        let head = format!(
            "POST /api/v1/conversations/{conv}/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {c}\r\n\
             Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\nstart"
        );
        s.write_all(head.as_bytes()).await.unwrap();
        trickling.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .body("third at once")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    drop(trickling);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(&c)
        .body("now there is room")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    n.stop().await;
}
