//! The desk's inbox: filters by status and assignee, pages, and the counts behind each filter.

use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::{Conversation, ConversationStatus};
use crate::store::inbox::{Assignee, Cursor, Filter};
use crate::store::{self};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

pub const MAX_INBOX_PAGE: i64 = 200;

/// What a staff member asked of the inbox (`GET /conversations?status=&assignee=&cursor=&limit=`).
#[derive(Debug, Default)]
pub struct InboxQuery<'a> {
    pub status: Option<&'a str>,
    pub assignee: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: Option<i64>,
}

/// How many conversations each assignee filter holds, for one status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct InboxCounts {
    #[ts(type = "number")]
    pub mine: i64,
    #[ts(type = "number")]
    pub unassigned: i64,
    #[ts(type = "number")]
    pub all: i64,
}

/// A page of a staff inbox.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct InboxPage {
    pub items: Vec<Conversation>,
    pub next_cursor: Option<String>,
    /// Per status (`open`, `pending`, `snoozed`, `resolved`).
    pub counts: BTreeMap<String, InboxCounts>,
}

/// The cursor on the wire: the activity time in microseconds and the id, opaque to clients.
fn encode(c: Cursor) -> String {
    format!("{}_{}", c.0.timestamp_micros(), c.1)
}

fn decode(s: &str) -> Option<Cursor> {
    let (t, id) = s.split_once('_')?;
    let at = DateTime::<Utc>::from_timestamp_micros(t.parse().ok()?)?;
    Some((at, id.parse().ok()?))
}

impl Service {
    pub async fn inbox(&self, who: &Identity, q: InboxQuery<'_>) -> ApiResult<InboxPage> {
        let business = who
            .staff_of()
            .ok_or_else(|| ApiError::forbidden("the inbox is for staff"))?;
        let status = match q.status {
            None | Some("all") => None,
            Some(s) => Some(ConversationStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("status must be open, pending, snoozed, resolved or all")
            })?),
        };
        let assignee = match q.assignee {
            None | Some("all") => Assignee::All,
            Some("mine") => Assignee::Mine,
            Some("unassigned") => Assignee::Unassigned,
            Some(_) => {
                return Err(ApiError::bad_request(
                    "assignee must be mine, unassigned or all",
                ))
            }
        };
        let after = match q.cursor {
            None => None,
            Some(c) => Some(
                decode(c)
                    .ok_or_else(|| ApiError::bad_request("cursor is not one this node gave"))?,
            ),
        };
        let limit = q.limit.unwrap_or(MAX_INBOX_PAGE);
        if !(1..=MAX_INBOX_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_INBOX_PAGE}"
            )));
        }
        let filter = Filter {
            status,
            assignee,
            after,
        };
        let (rows, next) =
            store::inbox::page(&self.pool, business, who.user_id, &filter, limit).await?;
        let mut counts: BTreeMap<String, InboxCounts> = ConversationStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), InboxCounts::default()))
            .collect();
        for (s, mine, unassigned, all) in
            store::inbox::counts(&self.pool, business, who.user_id).await?
        {
            counts.insert(
                s.as_str().to_string(),
                InboxCounts {
                    mine,
                    unassigned,
                    all,
                },
            );
        }
        Ok(InboxPage {
            items: self.to_wire(who, rows).await?,
            next_cursor: next.map(encode),
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_to_the_microsecond() {
        let at = DateTime::<Utc>::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        assert_eq!(decode(&encode((at, 42))), Some((at, 42)));
        assert_eq!(decode("x_1"), None);
        assert_eq!(decode("12"), None);
    }
}
