//! The three dialects on the socket: the node's JSON protocol, the floor relay's raw echo, and
//! Socket.IO 4 (Engine.IO v4 over a WebSocket, spoken by hand to keep the bench lean).
//!
//! Every message carries its send time in its client id, `b<socket>-<run>.<seq>-<µs since epoch>`,
//! so a receiver computes latency without a shared table. The run id keeps ids unique across runs:
//! the node answers a repeated client id with the first stored message (idempotent send), which
//! would measure the duplicate path instead of a durable write.

use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

use crate::config::Target;

/// What an incoming frame means to the harness.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// The server durably stored one of this socket's messages.
    Ack { sent_us: u64 },
    /// Another socket's message arrived here.
    Delivery { sent_us: u64 },
    /// The server refused something; the code is counted.
    Error { code: String },
    /// Engine.IO ping: must be answered with a pong or the peer drops the socket.
    EnginePing,
    /// Hello, presence, unread, Socket.IO open/connect, …: not measured.
    Other,
}

pub fn client_id(run: u64, socket: u32, seq: u64, sent_us: u64) -> String {
    format!("b{socket}-{run:x}.{seq}-{sent_us}")
}

/// (socket, send time) from a bench client id; None for anything else.
pub fn parse_client_id(id: &str) -> Option<(u32, u64)> {
    let rest = id.strip_prefix('b')?;
    let mut parts = rest.splitn(3, '-');
    let socket = parts.next()?.parse().ok()?;
    let _run_and_seq = parts.next()?;
    let sent_us = parts.next()?.parse().ok()?;
    Some((socket, sent_us))
}

/// The frame that sends one message into `conversation`.
pub fn send_frame(target: Target, conversation: &str, client_id: &str, body: &str) -> Message {
    let payload = format!(
        r#"{{"type":"message.send","conversationId":"{conversation}","clientId":"{client_id}","body":"{body}"}}"#
    );
    match target {
        Target::Node | Target::Floor => Message::text(payload),
        Target::Peer => Message::text(format!(r#"42["message.send",{payload}]"#)),
    }
}

/// Frames a client sends right after the handshake (Socket.IO: join the default namespace).
pub fn opening_frames(target: Target) -> Vec<Message> {
    match target {
        Target::Peer => vec![Message::text("40")],
        Target::Node | Target::Floor => Vec::new(),
    }
}

/// The answer to an [`Event::EnginePing`].
pub fn engine_pong() -> Message {
    Message::text("3")
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "clientId")]
    client_id: Option<String>,
    /// A message object in acks and events, a plain string in errors.
    message: Option<serde_json::Value>,
    code: Option<String>,
}

impl Frame {
    fn inner_client_id(&self) -> Option<&str> {
        self.message.as_ref()?.get("clientId")?.as_str()
    }
}

/// Classifies one text frame received by socket `me`.
pub fn classify(target: Target, me: u32, text: &str) -> Event {
    match target {
        Target::Node => classify_node(text),
        Target::Floor => classify_floor(me, text),
        Target::Peer => classify_peer(text),
    }
}

fn sent_us_of(id: Option<&str>) -> Option<u64> {
    id.and_then(parse_client_id).map(|(_, t)| t)
}

fn classify_node(text: &str) -> Event {
    let Ok(frame) = serde_json::from_str::<Frame>(text) else {
        return Event::Other;
    };
    let inner_id = frame.inner_client_id();
    match frame.kind.as_deref() {
        Some("message.ack") => match sent_us_of(frame.client_id.as_deref().or(inner_id)) {
            Some(sent_us) => Event::Ack { sent_us },
            None => Event::Other,
        },
        Some("message.new") => match sent_us_of(inner_id) {
            Some(sent_us) => Event::Delivery { sent_us },
            None => Event::Other,
        },
        Some("error") => Event::Error {
            code: frame.code.unwrap_or_else(|| "unknown".into()),
        },
        _ => Event::Other,
    }
}

/// The relay echoes every frame to the whole room, sender included: the sender's copy is its ack.
fn classify_floor(me: u32, text: &str) -> Event {
    let Ok(frame) = serde_json::from_str::<Frame>(text) else {
        return Event::Other;
    };
    match frame.client_id.as_deref().and_then(parse_client_id) {
        Some((socket, sent_us)) if socket == me => Event::Ack { sent_us },
        Some((_, sent_us)) => Event::Delivery { sent_us },
        None => Event::Other,
    }
}

fn classify_peer(text: &str) -> Event {
    if text == "2" {
        return Event::EnginePing;
    }
    let Some(json) = text.strip_prefix("42") else {
        return Event::Other;
    };
    let Ok((name, frame)) = serde_json::from_str::<(String, Frame)>(json) else {
        return Event::Other;
    };
    let inner_id = frame.inner_client_id();
    match name.as_str() {
        "message.ack" => match sent_us_of(frame.client_id.as_deref().or(inner_id)) {
            Some(sent_us) => Event::Ack { sent_us },
            None => Event::Other,
        },
        "message.new" => match sent_us_of(inner_id) {
            Some(sent_us) => Event::Delivery { sent_us },
            None => Event::Other,
        },
        "error" | "message.error" => Event::Error {
            code: frame.code.unwrap_or_else(|| "unknown".into()),
        },
        _ => Event::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_round_trip() {
        assert_eq!(
            parse_client_id(&client_id(0xabc, 7, 3, 12345)),
            Some((7, 12345))
        );
        assert_eq!(parse_client_id("web-1"), None);
    }

    #[test]
    fn node_frames() {
        let ack = r#"{"type":"message.ack","clientId":"b1-0-500","message":{"id":"9"}}"#;
        assert_eq!(classify(Target::Node, 1, ack), Event::Ack { sent_us: 500 });
        let new = r#"{"type":"message.new","message":{"id":"9","clientId":"b2-0-700"}}"#;
        assert_eq!(
            classify(Target::Node, 1, new),
            Event::Delivery { sent_us: 700 }
        );
        let err = r#"{"type":"error","code":"rate_limited","message":"slow down","ref":"b1-1-2"}"#;
        assert_eq!(
            classify(Target::Node, 1, err),
            Event::Error {
                code: "rate_limited".into()
            }
        );
        assert_eq!(
            classify(Target::Node, 1, r#"{"type":"hello"}"#),
            Event::Other
        );
    }

    #[test]
    fn floor_echo_is_an_ack_for_its_sender_only() {
        let frame = send_frame(Target::Floor, "c", "b4-0-10", "x");
        let text = frame.to_text().unwrap();
        assert_eq!(classify(Target::Floor, 4, text), Event::Ack { sent_us: 10 });
        assert_eq!(
            classify(Target::Floor, 5, text),
            Event::Delivery { sent_us: 10 }
        );
    }

    #[test]
    fn socket_io_frames() {
        assert_eq!(classify(Target::Peer, 1, "2"), Event::EnginePing);
        let ack = r#"42["message.ack",{"clientId":"b1-0-5","message":{"id":"1"}}]"#;
        assert_eq!(classify(Target::Peer, 1, ack), Event::Ack { sent_us: 5 });
        let new = r#"42["message.new",{"message":{"clientId":"b2-0-6"}}]"#;
        assert_eq!(
            classify(Target::Peer, 1, new),
            Event::Delivery { sent_us: 6 }
        );
        assert_eq!(classify(Target::Peer, 1, r#"0{"sid":"x"}"#), Event::Other);
    }
}
