//! The SSE resume cursor. Message ids are ordered within a conversation, not across them, so a
//! single id could skip a message of another conversation committed later with a smaller id. The
//! cursor therefore carries, per conversation the stream delivered, the last id; plus the time the
//! stream began, for conversations it has not delivered anything of yet (they replay everything
//! created since, less a margin for transactions in flight). Replays may repeat a message a client
//! already has (clients dedupe by id); they never skip one.

use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeMap;

/// Conversations remembered in one cursor. Past it, the least recent go, which can only cause
/// repeats on replay, never gaps.
pub const MAX_ENTRIES: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub since: DateTime<Utc>,
    pub last: BTreeMap<i64, i64>,
    /// Delivery order of conversations, to know which to forget first.
    order: Vec<i64>,
}

impl Cursor {
    pub fn new(since: DateTime<Utc>) -> Self {
        Cursor {
            since,
            last: BTreeMap::new(),
            order: Vec::new(),
        }
    }

    pub fn advance(&mut self, conv: i64, id: i64) {
        let e = self.last.entry(conv).or_insert(0);
        *e = (*e).max(id);
        self.order.retain(|c| *c != conv);
        self.order.push(conv);
        if self.order.len() > MAX_ENTRIES {
            let old = self.order.remove(0);
            self.last.remove(&old);
        }
    }

    /// `v1.<since ms>.<conv>-<id>_<conv>-<id>…`
    pub fn encode(&self) -> String {
        let entries: Vec<String> = self
            .order
            .iter()
            .filter_map(|c| self.last.get(c).map(|i| format!("{c}-{i}")))
            .collect();
        format!("v1.{}.{}", self.since.timestamp_millis(), entries.join("_"))
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let mut parts = s.trim().splitn(3, '.');
        if parts.next()? != "v1" {
            return None;
        }
        let since = Utc
            .timestamp_millis_opt(parts.next()?.parse().ok()?)
            .single()?;
        let mut cursor = Cursor::new(since);
        for entry in parts
            .next()
            .unwrap_or("")
            .split('_')
            .filter(|e| !e.is_empty())
        {
            let (c, i) = entry.split_once('-')?;
            cursor.advance(c.parse().ok()?, i.parse().ok()?);
        }
        Some(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_bounds_itself() {
        let mut c = Cursor::new(Utc.timestamp_millis_opt(1_700_000_000_000).unwrap());
        c.advance(7, 10);
        c.advance(3, 4);
        c.advance(7, 12);
        let s = c.encode();
        assert_eq!(s, "v1.1700000000000.3-4_7-12");
        assert_eq!(Cursor::decode(&s), Some(c.clone()));
        assert!(Cursor::decode("garbage").is_none());
        assert!(Cursor::decode("v1.x.1-2").is_none());
        for i in 0..(MAX_ENTRIES as i64 + 10) {
            c.advance(100 + i, 1);
        }
        assert_eq!(c.last.len(), MAX_ENTRIES);
        assert!(!c.last.contains_key(&3));
    }
}
