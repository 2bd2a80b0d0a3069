//! The fuzz targets' checks (fuzz/src/lib.rs) without the fuzzer: every file of the committed
//! corpus (fuzz/corpus/<target>/) and a bounded number of seeded random mutations of them go
//! through the frame decoders, the token verifier, the SSE cursor and the multipart parser. None
//! may panic; what decodes must re-encode to the same value. `FUZZ_INPUTS_ITERS` (default 3000
//! per target) and `FUZZ_INPUTS_SEED` widen or vary the run; `scripts/fuzz.sh` runs afl.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use servihub_actors::protocol::codec::Codec;
use servihub_chat::auth::Authenticator;
use servihub_chat::config::JwtConfig;
use servihub_chat::http::cursor::{Cursor, MAX_ENTRIES};
use servihub_chat::http::request::multipart;
use std::path::Path;

const SECRET: &str = "fuzz-secret-0123456789abcdef0123456789";

fn codec_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = Codec::Json.decode_text(text) {
        let again = serde_json::to_string(&frame).unwrap();
        assert_eq!(
            Codec::Json.decode_text(&again).ok(),
            Some(frame),
            "{text:?}"
        );
    }
    let _ = Codec::MsgPack.decode_text(text);
}

fn codec_msgpack(data: &[u8]) {
    if let Ok(frame) = Codec::MsgPack.decode_binary(data) {
        let again = rmp_serde::to_vec_named(&frame).unwrap();
        assert_eq!(
            Codec::MsgPack.decode_binary(&again).ok(),
            Some(frame),
            "{data:?}"
        );
    }
    let _ = Codec::Json.decode_binary(data);
}

fn jwt(auth: &Authenticator, data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(who) = auth.verify(token) {
        assert!(who.user_id.0 > 0);
        assert!(who.name.as_ref().is_none_or(|n| n.chars().count() <= 100));
    }
}

fn cursor(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(c) = Cursor::decode(text) {
        assert!(c.last.len() <= MAX_ENTRIES);
        let again = Cursor::decode(&c.encode()).expect("an encoded cursor decodes");
        assert_eq!((again.since, &again.last), (c.since, &c.last), "{text:?}");
    }
}

fn multipart(data: &[u8]) {
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
        assert!(at >= start && at + part.data.len() <= end);
    }
    // The streaming parser the upload route uses gives the same file, in whatever pieces the
    // body arrives (inputs here are far below its header and field bounds).
    for step in [1, 5, 64, body.len().max(1)] {
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
        assert_eq!(
            streamed.as_deref(),
            whole.as_ref().map(|p| p.data),
            "{body:?} in pieces of {step}"
        );
    }
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert!(!seeds.is_empty(), "a corpus for {target}");
    seeds
}

/// One random mutation of a seed: flips, inserts, deletes, splices, repeats or truncates.
fn mutate(rng: &mut StdRng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    const INTERESTING: &[&[u8]] = &[
        b"\0",
        b"\xff",
        b"\"",
        b"\\",
        b"-",
        b"_",
        b".",
        b"9223372036854775808",
        b"-1",
        b"0",
        b"\r\n",
        b"\r\n\r\n",
        b"--",
        b"%",
        b"\xc0\x80",
        b"\xed\xa0\x80",
        b"{}",
        b"[]",
        b"\xdc",
        b"\xde\xff\xff",
        b"\xdb\xff\xff\xff\xff",
    ];
    let mut v = seed.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = if v.is_empty() {
            0
        } else {
            rng.random_range(0..=v.len())
        };
        match rng.random_range(0..7) {
            0 if !v.is_empty() => {
                let i = rng.random_range(0..v.len());
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 => v.insert(at.min(v.len()), rng.random()),
            2 if at < v.len() => {
                let n = rng.random_range(1..=(v.len() - at).min(8));
                v.drain(at..at + n);
            }
            3 => {
                let s = INTERESTING[rng.random_range(0..INTERESTING.len())];
                v.splice(at..at, s.iter().copied());
            }
            4 if !other.is_empty() => {
                let from = rng.random_range(0..other.len());
                let n = rng.random_range(1..=(other.len() - from).min(32));
                v.splice(at..at, other[from..from + n].iter().copied());
            }
            5 if at < v.len() => {
                let n = rng.random_range(1..=(v.len() - at).min(16));
                let chunk: Vec<u8> = v[at..at + n].to_vec();
                for _ in 0..rng.random_range(1..20) {
                    v.splice(at..at, chunk.iter().copied());
                }
            }
            6 => v.truncate(at),
            _ => {}
        }
    }
    v
}

fn run(target: &str, check: impl Fn(&[u8])) {
    let iters: usize = std::env::var("FUZZ_INPUTS_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seed: u64 = std::env::var("FUZZ_INPUTS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let seeds = corpus(target);
    for s in &seeds {
        check(s);
    }
    let mut rng = StdRng::seed_from_u64(seed ^ target.len() as u64);
    for _ in 0..iters {
        let a = &seeds[rng.random_range(0..seeds.len())];
        let b = &seeds[rng.random_range(0..seeds.len())];
        let input = mutate(&mut rng, a, b);
        check(&input);
    }
    eprintln!("{target}: {} corpus files, {iters} mutations", seeds.len());
}

#[test]
fn json_frames() {
    run("codec_json", codec_json);
}

#[test]
fn msgpack_frames() {
    run("codec_msgpack", codec_msgpack);
}

#[test]
fn tokens() {
    let auth = Authenticator::new(&JwtConfig {
        secret: SECRET.into(),
        issuer: None,
        audience: None,
    });
    run("jwt", |d| jwt(&auth, d));
}

#[test]
fn sse_cursors() {
    run("cursor", cursor);
}

#[test]
fn multipart_bodies() {
    run("multipart", multipart);
}
