//! Property tests of the ordering and resume invariants: the SSE cursor (round trip, per
//! conversation monotonicity, bounded size that forgets the least recent first) and the frame
//! codecs (a resume or send frame decodes the same through JSON and MessagePack).

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use servihub_actors::protocol::codec::Codec;
use servihub_actors::protocol::{ClientFrame, ConversationId, MessageId};
use servihub_chat::http::cursor::{Cursor, MAX_ENTRIES};
use std::collections::BTreeMap;

fn since() -> impl Strategy<Value = i64> {
    // Any millisecond from 1970 to 2100.
    0i64..4_102_444_800_000
}

fn advances(max_conv: i64, len: usize) -> impl Strategy<Value = Vec<(i64, i64)>> {
    prop::collection::vec((1..=max_conv, 1i64..1_000_000_000), 0..len)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn cursor_round_trips(ms in since(), ops in advances(50, 100)) {
        let mut c = Cursor::new(Utc.timestamp_millis_opt(ms).unwrap());
        for (conv, id) in &ops {
            c.advance(*conv, *id);
        }
        let d = Cursor::decode(&c.encode()).expect("an encoded cursor decodes");
        prop_assert_eq!(d.since, c.since);
        prop_assert_eq!(&d.last, &c.last);
        // And encoding is stable: the decoded cursor encodes to the same text.
        prop_assert_eq!(d.encode(), c.encode());
    }

    #[test]
    fn cursor_never_goes_backwards(ops in advances(20, 200)) {
        let mut c = Cursor::new(Utc.timestamp_millis_opt(0).unwrap());
        let mut max: BTreeMap<i64, i64> = BTreeMap::new();
        for (conv, id) in &ops {
            let before = c.last.get(conv).copied();
            c.advance(*conv, *id);
            let after = c.last[conv];
            prop_assert!(after >= *id);
            if let Some(b) = before {
                prop_assert!(after >= b, "conversation {} went from {} to {}", conv, b, after);
            }
            let m = max.entry(*conv).or_insert(0);
            *m = (*m).max(*id);
        }
        // Fewer conversations than the bound: nothing is forgotten, each holds its maximum.
        prop_assert_eq!(&c.last, &max);
    }

    #[test]
    fn cursor_forgets_the_least_recent_first(extra in 1usize..50, id in 1i64..1000) {
        let mut c = Cursor::new(Utc.timestamp_millis_opt(0).unwrap());
        let total = MAX_ENTRIES + extra;
        for conv in 1..=total as i64 {
            c.advance(conv, id);
        }
        prop_assert_eq!(c.last.len(), MAX_ENTRIES);
        prop_assert!(c.last.keys().all(|k| *k > extra as i64));
        // A forgotten conversation replays from `since`: a repeat, never a gap.
        prop_assert!(c.last.values().all(|v| *v == id));
    }

    #[test]
    fn resume_frames_decode_alike_in_both_codecs(conv in 1i64..i64::MAX, after in 0i64..i64::MAX) {
        let text = format!(r#"{{"type":"resume","conversationId":"{conv}","afterId":"{after}"}}"#);
        let frame = Codec::Json.decode_text(&text).expect("a resume frame decodes");
        prop_assert_eq!(&frame, &ClientFrame::Resume {
            conversation_id: ConversationId(conv),
            after_id: MessageId(after),
            since: None,
        });
        let packed = rmp_serde::to_vec_named(&frame).unwrap();
        prop_assert_eq!(Codec::MsgPack.decode_binary(&packed).unwrap(), frame);
    }

    #[test]
    fn send_frames_keep_their_text(conv in 1i64..i64::MAX, cid in "[a-z0-9-]{1,40}", body in "\\PC{0,200}") {
        let v = serde_json::json!({"type": "message.send", "conversationId": conv.to_string(), "clientId": cid, "body": body});
        let frame = Codec::Json.decode_text(&v.to_string()).expect("a send frame decodes");
        match &frame {
            ClientFrame::MessageSend { conversation_id, client_id, body: b, .. } => {
                prop_assert_eq!(conversation_id.0, conv);
                prop_assert_eq!(client_id, &cid);
                prop_assert_eq!(b, &body);
            }
            other => prop_assert!(false, "decoded as {:?}", other),
        }
        let packed = rmp_serde::to_vec_named(&frame).unwrap();
        prop_assert_eq!(Codec::MsgPack.decode_binary(&packed).unwrap(), frame);
    }
}
