//! The desk's inbox: a business's DIRECT conversations filtered by status and assignee, paged
//! newest activity first, and the count behind every filter.

use super::conversations::{list_sql, ListedConversation};
use super::StoreResult;
use crate::protocol::{BusinessId, ConversationStatus, UserId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Whose conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Mine,
    Unassigned,
    All,
}

/// Where a page starts: the activity time and id of the last row of the previous page.
pub type Cursor = (DateTime<Utc>, i64);

pub struct Filter {
    pub status: Option<ConversationStatus>,
    pub assignee: Assignee,
    pub after: Option<Cursor>,
}

/// One page for staff member `user`, with the cursor of the next page when there is one. The
/// business's community is in the unfiltered list only (it has no status or assignee).
pub async fn page(
    pool: &PgPool,
    business: BusinessId,
    user: UserId,
    filter: &Filter,
    limit: i64,
) -> StoreResult<(Vec<ListedConversation>, Option<Cursor>)> {
    let sql = list_sql(
        "c.business_id = $3
            AND (c.type <> 'COMMUNITY' OR ($4::conversation_status IS NULL AND $5 = 'all'))
            AND ($4::conversation_status IS NULL OR c.status = $4)
            AND ($5 <> 'mine' OR c.assignee_id = $1)
            AND ($5 <> 'unassigned' OR c.assignee_id IS NULL)
            AND ($6::timestamptz IS NULL
                 OR (COALESCE(c.last_message_at, c.created_at), c.id) < ($6, $7))",
        true,
    );
    let assignee = match filter.assignee {
        Assignee::Mine => "mine",
        Assignee::Unassigned => "unassigned",
        Assignee::All => "all",
    };
    // One more than asked tells whether another page follows.
    let mut rows: Vec<ListedConversation> = sqlx::query_as(&sql)
        .bind(user)
        .bind(limit + 1)
        .bind(business)
        .bind(filter.status)
        .bind(assignee)
        .bind(filter.after.map(|c| c.0))
        .bind(filter.after.map_or(0, |c| c.1))
        .fetch_all(pool)
        .await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|l| (l.activity_at, l.row.id.0))
    } else {
        None
    };
    Ok((rows, next))
}

/// Per status: (mine, unassigned, all) for staff member `user`.
pub async fn counts(
    pool: &PgPool,
    business: BusinessId,
    user: UserId,
) -> StoreResult<Vec<(ConversationStatus, i64, i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT status, count(*) FILTER (WHERE assignee_id = $2),
                count(*) FILTER (WHERE assignee_id IS NULL), count(*)
           FROM conversations
          WHERE business_id = $1 AND type <> 'COMMUNITY' AND deleted_at IS NULL
          GROUP BY status",
    )
    .bind(business)
    .bind(user)
    .fetch_all(pool)
    .await?)
}
