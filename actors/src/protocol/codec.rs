//! Frame encodings: `servihub.v1.json` (text frames) and `servihub.v1.msgpack` (binary frames
//! with named fields, so both carry the same objects). Events are encoded by the hub, once per
//! codec for however many sessions receive them, and the bytes are shared.

use super::{ClientFrame, ServerEvent};
use bytes::Bytes;

pub const JSON_PROTOCOL: &str = "servihub.v1.json";
pub const MSGPACK_PROTOCOL: &str = "servihub.v1.msgpack";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Json,
    MsgPack,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("text frames are not accepted on servihub.v1.msgpack")]
    TextOnMsgpack,
    #[error("binary frames are not accepted on servihub.v1.json")]
    BinaryOnJson,
}

impl Codec {
    /// The subprotocol to speak, from the client's offer (JSON when none is offered).
    pub fn negotiate(offer: Option<&str>) -> Option<Codec> {
        let Some(offer) = offer else {
            return Some(Codec::Json);
        };
        let offered: Vec<&str> = offer.split(',').map(str::trim).collect();
        if offered.contains(&JSON_PROTOCOL) {
            Some(Codec::Json)
        } else if offered.contains(&MSGPACK_PROTOCOL) {
            Some(Codec::MsgPack)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Codec::Json => JSON_PROTOCOL,
            Codec::MsgPack => MSGPACK_PROTOCOL,
        }
    }

    pub fn decode_text(self, text: &str) -> Result<ClientFrame, DecodeError> {
        match self {
            Codec::Json => {
                serde_json::from_str(text).map_err(|e| DecodeError::Malformed(e.to_string()))
            }
            Codec::MsgPack => Err(DecodeError::TextOnMsgpack),
        }
    }

    pub fn decode_binary(self, bytes: &[u8]) -> Result<ClientFrame, DecodeError> {
        match self {
            Codec::MsgPack => {
                rmp_serde::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))
            }
            Codec::Json => Err(DecodeError::BinaryOnJson),
        }
    }
}

/// Encodes an event for one codec: UTF-8 JSON text, or MessagePack with named fields.
pub fn encode(codec: Codec, event: &ServerEvent) -> Option<Bytes> {
    let r = match codec {
        Codec::Json => serde_json::to_vec(event).map_err(|e| e.to_string()),
        Codec::MsgPack => rmp_serde::to_vec_named(event).map_err(|e| e.to_string()),
    };
    match r {
        Ok(b) => Some(Bytes::from(b)),
        Err(e) => {
            tracing::error!(error = %e, event = event.name(), "event did not encode");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_and_refuses_the_wrong_frame_kind() {
        assert_eq!(Codec::negotiate(None), Some(Codec::Json));
        assert_eq!(
            Codec::negotiate(Some("servihub.v1.msgpack")),
            Some(Codec::MsgPack)
        );
        assert_eq!(
            Codec::negotiate(Some("x, servihub.v1.json")),
            Some(Codec::Json)
        );
        assert_eq!(Codec::negotiate(Some("graphql-ws")), None);
        assert_eq!(
            Codec::MsgPack.decode_text("{}"),
            Err(DecodeError::TextOnMsgpack)
        );
        assert_eq!(
            Codec::Json.decode_binary(b"\x80"),
            Err(DecodeError::BinaryOnJson)
        );
        assert!(matches!(
            Codec::Json.decode_text("{\"type\":\"nope\"}"),
            Err(DecodeError::Malformed(_))
        ));
        assert_eq!(
            Codec::Json.decode_text("{\"type\":\"ping\"}"),
            Ok(ClientFrame::Ping)
        );
    }
}
