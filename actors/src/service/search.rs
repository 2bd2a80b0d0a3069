//! Search over a caller's history: staff over their business (notes included), customers over
//! their own DIRECT conversations (never notes). Deleted messages are never found.

use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::SearchHit;
use crate::store::search::{self, Scope, START, STOP};

pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_SEARCH_PAGE: i64 = 50;
pub const MAX_SEARCH_OFFSET: i64 = 1_000;

/// A headline with `START`/`STOP` marks, as plain text and the marked ranges (in characters).
pub fn split_headline(raw: &str) -> (String, Vec<(u32, u32)>) {
    let mut text = String::with_capacity(raw.len());
    let mut ranges = Vec::new();
    let (mut at, mut open) = (0u32, None);
    for c in raw.chars() {
        match c {
            START => open = Some(at),
            STOP => {
                if let Some(start) = open.take() {
                    if start < at {
                        ranges.push((start, at));
                    }
                }
            }
            c => {
                text.push(c);
                at += 1;
            }
        }
    }
    (text, ranges)
}

impl Service {
    pub async fn search(
        &self,
        who: &Identity,
        query: &str,
        limit: Option<i64>,
        offset: Option<i64>,
    ) -> ApiResult<(Vec<SearchHit>, bool)> {
        let query = query.trim();
        if query.is_empty() || query.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::bad_request(format!(
                "q must be 1 to {MAX_QUERY_CHARS} characters"
            )));
        }
        if query.chars().any(char::is_control) {
            return Err(ApiError::bad_request("q must not hold control characters"));
        }
        let limit = limit.unwrap_or(20);
        if !(1..=MAX_SEARCH_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_SEARCH_PAGE}"
            )));
        }
        let offset = offset.unwrap_or(0);
        if !(0..=MAX_SEARCH_OFFSET).contains(&offset) {
            return Err(ApiError::bad_request(format!(
                "offset must be between 0 and {MAX_SEARCH_OFFSET}"
            )));
        }
        let scope = match who.staff_of() {
            Some(b) => Scope::Staff(b),
            None => Scope::Customer(who.user_id),
        };
        let started = std::time::Instant::now();
        // One more than asked tells whether another page follows.
        let mut rows = search::search(&self.pool, scope, query, limit + 1, offset).await?;
        metrics::histogram!("chat_search_seconds").record(started.elapsed().as_secs_f64());
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok((
            rows.into_iter()
                .map(|(message, headline, rank)| {
                    let (snippet, highlights) = split_headline(&headline);
                    SearchHit {
                        conversation_id: message.conversation_id,
                        message,
                        snippet,
                        highlights,
                        rank,
                    }
                })
                .collect(),
            more,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_become_text_and_ranges() {
        let raw = format!("the {START}refund{STOP} for {START}é{STOP}");
        let (text, ranges) = split_headline(&raw);
        assert_eq!(text, "the refund for é");
        assert_eq!(ranges, vec![(4, 10), (15, 16)]);
        assert_eq!(split_headline(&format!("{STOP}x{START}")).1, vec![]);
    }
}
