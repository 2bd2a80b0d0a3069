//! The checks each fuzz target runs on one input: no panic, and where a value decodes, its
//! re-encoding decodes to the same value. `tests/fuzz_inputs.rs` in the product runs the same
//! checks over the committed corpus and random inputs without the fuzzer.

use servihub_actors::protocol::codec::Codec;
use servihub_chat::auth::Authenticator;
use servihub_chat::config::JwtConfig;
use servihub_chat::http::cursor::Cursor;
use servihub_chat::http::request::multipart;

pub const SECRET: &str = "fuzz-secret-0123456789abcdef0123456789";

pub fn codec_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = Codec::Json.decode_text(text) {
        let again = serde_json::to_string(&frame).expect("a decoded frame encodes");
        assert_eq!(Codec::Json.decode_text(&again).ok(), Some(frame));
    }
    let _ = Codec::MsgPack.decode_text(text);
}

pub fn codec_msgpack(data: &[u8]) {
    if let Ok(frame) = Codec::MsgPack.decode_binary(data) {
        let again = rmp_serde::to_vec_named(&frame).expect("a decoded frame encodes");
        assert_eq!(Codec::MsgPack.decode_binary(&again).ok(), Some(frame));
    }
    let _ = Codec::Json.decode_binary(data);
}

pub fn authenticator() -> Authenticator {
    Authenticator::new(&JwtConfig {
        secret: SECRET.into(),
        issuer: None,
        audience: None,
    })
}

pub fn jwt(auth: &Authenticator, data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(who) = auth.verify(token) {
        assert!(who.user_id.0 > 0, "a verified token names a positive user");
        assert!(who.name.as_ref().is_none_or(|n| n.chars().count() <= 100));
    }
}

pub fn cursor(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(c) = Cursor::decode(text) {
        assert!(c.last.len() <= servihub_chat::http::cursor::MAX_ENTRIES);
        let again = Cursor::decode(&c.encode()).expect("an encoded cursor decodes");
        assert_eq!(again.since, c.since);
        assert_eq!(again.last, c.last);
    }
}

/// Input: the first line is the request's Content-Type, the rest its body.
pub fn multipart(data: &[u8]) {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let Ok(content_type) = std::str::from_utf8(&data[..split]) else {
        return;
    };
    let body = data.get(split + 1..).unwrap_or(&[]);
    let boundary = multipart::boundary(content_type)
        .unwrap_or_else(|| content_type.chars().take(70).collect());
    if boundary.is_empty() {
        return;
    }
    let whole = multipart::first_file(body, &boundary);
    if let Some(part) = &whole {
        let (start, end) = (body.as_ptr() as usize, body.as_ptr() as usize + body.len());
        let at = part.data.as_ptr() as usize;
        assert!(
            at >= start && at + part.data.len() <= end,
            "a part is inside the body"
        );
    }
    // The streaming parser the upload route uses gives the same file in any pieces, within its
    // header and first-field bounds.
    if body.len() > multipart::MAX_FIELD {
        return;
    }
    for step in [1, 7, body.len().max(1)] {
        let mut form = multipart::FileStream::new(&boundary);
        let mut out = Vec::new();
        let mut failed = false;
        for piece in body.chunks(step) {
            match form.push(piece) {
                Ok(bytes) => out.extend(bytes),
                Err(_) => failed = true,
            }
        }
        let streamed = match (failed, form.finish()) {
            (false, Ok(rest)) => Some([out, rest].concat()),
            _ => None,
        };
        if failed {
            continue; // headers past the streaming bound: refused, where the whole parser reads on
        }
        assert_eq!(streamed.as_deref(), whole.as_ref().map(|p| p.data));
    }
}
