//! The support desk: a conversation's status and assignee, auto-assignment, the away reply,
//! desk settings and the staff list. Who hears a change is `routing`'s (`Happening::Desk`).

use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::{
    BusinessId, Conversation, ConversationId, ConversationStatus, ConversationType, DeskSettings,
    DeskState, Role, ServerEvent, StaffMember, UserId,
};
use crate::routing::Happening;
use crate::store::conversations::ConversationRow;
use crate::store::desk::StatusChange;
use crate::store::{self};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// How long a node trusts its copy of a business's settings (another node's change applies
/// within this time; this node's own change at once).
const SETTINGS_TTL: std::time::Duration = std::time::Duration::from_secs(30);
/// Bounds of the two caches below: past it a cache starts over (a miss costs one query).
const CACHE_CAP: usize = 10_000;
const MAX_AWAY_CHARS: usize = 1_000;

/// Per-node memory of the desk, so a customer's message costs no query when there is nothing
/// to do (no away message, or already sent).
#[derive(Default)]
pub struct DeskCache {
    settings: Mutex<HashMap<BusinessId, (Instant, DeskSettings)>>,
    away_sent: Mutex<HashSet<ConversationId>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// "1 hour", "30 minutes", "2 days": what `{{reply_time}}` becomes.
fn reply_time(minutes: i32) -> String {
    let plural = |n: i32, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if minutes % 1440 == 0 {
        plural(minutes / 1440, "day")
    } else if minutes % 60 == 0 {
        plural(minutes / 60, "hour")
    } else {
        plural(minutes, "minute")
    }
}

fn state_of(row: &ConversationRow, changed_by: Option<UserId>) -> DeskState {
    DeskState {
        conversation_id: row.id,
        status: row.status,
        snoozed_until: row.snoozed_until,
        assignee_id: row.assignee_id,
        assignee_name: row.assignee_name.clone(),
        changed_by,
    }
}

impl Service {
    /// Tells everyone who sees the conversation its new desk state.
    pub(crate) async fn announce_desk(
        &self,
        row: &ConversationRow,
        changed_by: Option<UserId>,
    ) -> ApiResult<()> {
        let event = ServerEvent::ConversationUpdated(state_of(row, changed_by));
        self.conversations
            .announce(row.id, Happening::Desk, event)
            .await?;
        Ok(())
    }

    /// A DIRECT conversation of the caller's business, for a staff-only desk action.
    async fn desk_conversation(&self, who: &Identity, conv: ConversationId) -> ApiResult<()> {
        let info = self.readable(who, conv).await?;
        if !who.is_staff() {
            return Err(ApiError::forbidden(
                "only staff change a conversation's status",
            ));
        }
        if info.room.kind == ConversationType::Community {
            return Err(ApiError::bad_request(
                "a community has no status or assignee",
            ));
        }
        Ok(())
    }

    pub async fn set_status(
        &self,
        who: &Identity,
        conv: ConversationId,
        status: ConversationStatus,
        snoozed_until: Option<DateTime<Utc>>,
    ) -> ApiResult<Conversation> {
        self.desk_conversation(who, conv).await?;
        let until = match (status, snoozed_until) {
            (ConversationStatus::Snoozed, Some(t))
                if t > Utc::now() && t <= Utc::now() + Duration::days(366) =>
            {
                Some(t)
            }
            (ConversationStatus::Snoozed, _) => {
                return Err(ApiError::bad_request(
                    "snoozed needs a snoozedUntil in the future, at most a year ahead",
                ))
            }
            (_, Some(_)) => {
                return Err(ApiError::bad_request("snoozedUntil is only for snoozed"));
            }
            (_, None) => None,
        };
        let row = match store::desk::set_status(&self.pool, conv, status, until).await? {
            StatusChange::Done(row) => row,
            StatusChange::NotFound => return Err(ApiError::not_found("conversation not found")),
            StatusChange::Conflict => {
                return Err(ApiError::bad_request(
                    "the customer has a newer conversation that is not resolved",
                ))
            }
        };
        self.announce_desk(&row, Some(who.user_id)).await?;
        if status == ConversationStatus::Open && row.assignee_id.is_none() {
            self.auto_assign(&row).await?;
        }
        self.conversation_for(who, conv).await
    }

    pub async fn assign(
        &self,
        who: &Identity,
        conv: ConversationId,
        assignee: Option<UserId>,
    ) -> ApiResult<Conversation> {
        self.desk_conversation(who, conv).await?;
        if let Some(agent) = assignee {
            let business = who.staff_of().ok_or_else(ApiError::internal)?;
            if !store::desk::is_staff(&self.pool, business, agent).await? {
                return Err(ApiError::bad_request(
                    "userId is not a staff member of this business",
                ));
            }
        }
        let row = store::desk::set_assignee(&self.pool, conv, assignee)
            .await?
            .ok_or_else(|| ApiError::not_found("conversation not found"))?;
        self.announce_desk(&row, Some(who.user_id)).await?;
        self.conversation_for(who, conv).await
    }

    /// Gives a new or reopened conversation without an assignee to an online agent, when the
    /// business wants that. True when it assigned one.
    pub(crate) async fn auto_assign(&self, row: &ConversationRow) -> ApiResult<bool> {
        if row.assignee_id.is_some() || row.kind == ConversationType::Community {
            return Ok(false);
        }
        let settings = self.desk_settings(row.business_id).await?;
        if !settings.auto_assign {
            return Ok(false);
        }
        let online = self.presence_view.online_staff(row.business_id);
        let chosen = store::desk::auto_assign(
            &self.pool,
            row.id,
            row.business_id,
            &online,
            settings.max_open_per_agent,
        )
        .await?;
        if chosen.is_some() {
            metrics::counter!("chat_auto_assigned_total").increment(1);
            if let Some(row) = store::conversations::get(&self.pool, row.id).await? {
                self.announce_desk(&row, None).await?;
            }
        }
        Ok(chosen.is_some())
    }

    /// What follows a customer's stored message: the reopening it caused, auto-assignment, and
    /// the away reply when nobody of the business is online.
    pub(crate) async fn after_customer_message(
        &self,
        conv: ConversationId,
        business: BusinessId,
        reopened: bool,
    ) -> ApiResult<()> {
        if reopened {
            if let Some(row) = store::conversations::get(&self.pool, conv).await? {
                self.announce_desk(&row, row.customer_id).await?;
                self.auto_assign(&row).await?;
            }
        }
        self.away_reply(conv, business).await
    }

    async fn away_reply(&self, conv: ConversationId, business: BusinessId) -> ApiResult<()> {
        if lock(&self.desk.away_sent).contains(&conv) {
            return Ok(());
        }
        let settings = self.desk_settings(business).await?;
        let Some(text) = settings.away_message.filter(|t| !t.trim().is_empty()) else {
            return Ok(());
        };
        if !self.presence_view.online_staff(business).is_empty() {
            return Ok(());
        }
        let claimed = store::desk::claim_away_reply(&self.pool, conv).await?;
        {
            let mut sent = lock(&self.desk.away_sent);
            if sent.len() >= CACHE_CAP {
                sent.clear();
            }
            sent.insert(conv);
            metrics::gauge!("chat_desk_away_sent_cached").set(sent.len() as f64);
        }
        if !claimed {
            return Ok(());
        }
        let business_name = store::users::business_name(&self.pool, business)
            .await?
            .unwrap_or_default();
        let name = format!("{business_name} • Automatic reply");
        let sender = store::desk::away_sender(&self.pool, business, &name).await?;
        let body = match settings.expected_reply_minutes {
            Some(m) if text.contains("{{reply_time}}") => {
                text.replace("{{reply_time}}", &reply_time(m))
            }
            // The customer always learns the expected time when the business has one.
            Some(m) => format!("{text}\n\nExpected reply time: {}.", reply_time(m)),
            None => text.replace("{{reply_time}}", "soon"),
        };
        let bot = Identity {
            user_id: sender,
            role: Role::Agent,
            business_id: Some(business),
            name: Some(name),
            expires_at: None,
        };
        self.store_automatic(&bot, conv, body).await?;
        metrics::counter!("chat_away_replies_total").increment(1);
        Ok(())
    }

    pub(crate) async fn desk_settings(&self, business: BusinessId) -> ApiResult<DeskSettings> {
        if let Some((at, s)) = lock(&self.desk.settings).get(&business) {
            if at.elapsed() < SETTINGS_TTL {
                return Ok(s.clone());
            }
        }
        let s = store::desk::settings(&self.pool, business).await?;
        let mut cache = lock(&self.desk.settings);
        if cache.len() >= CACHE_CAP {
            cache.clear();
        }
        cache.insert(business, (Instant::now(), s.clone()));
        metrics::gauge!("chat_desk_settings_cached").set(cache.len() as f64);
        Ok(s)
    }

    fn staff_of_business(who: &Identity, business: BusinessId) -> ApiResult<()> {
        if who.staffs(business) {
            Ok(())
        } else {
            Err(ApiError::forbidden("only this business's staff"))
        }
    }

    pub async fn settings(&self, who: &Identity, business: BusinessId) -> ApiResult<DeskSettings> {
        Self::staff_of_business(who, business)?;
        self.desk_settings(business).await
    }

    pub async fn put_settings(
        &self,
        who: &Identity,
        business: BusinessId,
        mut s: DeskSettings,
    ) -> ApiResult<DeskSettings> {
        Self::staff_of_business(who, business)?;
        if who.role != Role::Owner {
            return Err(ApiError::forbidden(
                "only the owner changes the desk settings",
            ));
        }
        if !(1..=1000).contains(&s.max_open_per_agent) {
            return Err(ApiError::bad_request("maxOpenPerAgent must be 1 to 1000"));
        }
        if s.expected_reply_minutes
            .is_some_and(|m| !(1..=10_080).contains(&m))
        {
            return Err(ApiError::bad_request(
                "expectedReplyMinutes must be 1 to 10080 (a week)",
            ));
        }
        s.away_message = match s.away_message.as_deref().map(super::text::plain_text) {
            Some(t) if t.chars().count() > MAX_AWAY_CHARS => {
                return Err(ApiError::bad_request(format!(
                    "awayMessage is longer than {MAX_AWAY_CHARS} characters"
                )))
            }
            Some(t) if t.trim().is_empty() => None,
            other => other,
        };
        store::desk::put_settings(&self.pool, business, &s).await?;
        lock(&self.desk.settings).insert(business, (Instant::now(), s.clone()));
        Ok(s)
    }

    /// The business's staff with their presence (the assign menu).
    pub async fn staff(&self, who: &Identity, business: BusinessId) -> ApiResult<Vec<StaffMember>> {
        Self::staff_of_business(who, business)?;
        Ok(store::desk::staff(&self.pool, business)
            .await?
            .into_iter()
            .map(|(user_id, name, role)| StaffMember {
                user_id,
                name,
                role,
                online: self.presence_view.is_online(user_id),
            })
            .collect())
    }

    /// Runs `wake_snoozed` every `every`, for as long as the node runs.
    pub async fn sweep_snoozed(self: Arc<Self>, every: std::time::Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.wake_snoozed().await {
                tracing::warn!(error = %e.body(None).message, "snooze sweep failed; retried next tick");
            }
        }
    }

    /// Reopens snoozed conversations whose time has come and tells their audiences. Every node
    /// runs it; each conversation is claimed by one.
    pub async fn wake_snoozed(&self) -> ApiResult<usize> {
        let ids = store::desk::wake_snoozed(&self.pool).await?;
        for row in store::desk::rows(&self.pool, &ids).await? {
            self.announce_desk(&row, None).await?;
            self.auto_assign(&row).await?;
        }
        Ok(ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::reply_time;

    #[test]
    fn reply_times_read_naturally() {
        assert_eq!(reply_time(1), "1 minute");
        assert_eq!(reply_time(30), "30 minutes");
        assert_eq!(reply_time(60), "1 hour");
        assert_eq!(reply_time(180), "3 hours");
        assert_eq!(reply_time(1440), "1 day");
        assert_eq!(reply_time(90), "90 minutes");
    }
}
