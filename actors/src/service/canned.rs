//! Canned replies: listed by a business's staff, written by its owner.

use super::text::{plain_text, MAX_BODY_CHARS};
use super::Service;
use crate::error::{ApiError, ApiResult};
use crate::identity::Identity;
use crate::protocol::{BusinessId, CannedReply, CannedReplyId, Role};
use crate::store::canned::{self, Written};

const MAX_SHORTCUT: usize = 32;

fn valid(shortcut: &str, body: &str) -> ApiResult<(String, String)> {
    let shortcut = shortcut.trim();
    if shortcut.is_empty()
        || shortcut.len() > MAX_SHORTCUT
        || !shortcut
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(ApiError::bad_request(format!(
            "shortcut must be 1 to {MAX_SHORTCUT} of a-z, 0-9, _ and -"
        )));
    }
    let body = plain_text(body);
    if body.trim().is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(ApiError::bad_request(format!(
            "body must be 1 to {MAX_BODY_CHARS} characters"
        )));
    }
    Ok((shortcut.to_string(), body))
}

fn written(w: Written) -> ApiResult<CannedReply> {
    match w {
        Written::Done(c) => Ok(c),
        Written::NotFound => Err(ApiError::not_found("canned reply not found")),
        Written::Taken => Err(ApiError::bad_request("that shortcut is already used")),
    }
}

impl Service {
    fn owner_of(who: &Identity, business: BusinessId) -> ApiResult<()> {
        if !who.staffs(business) {
            return Err(ApiError::forbidden("only this business's staff"));
        }
        if who.role != Role::Owner {
            return Err(ApiError::forbidden("only the owner writes canned replies"));
        }
        Ok(())
    }

    pub async fn canned_replies(
        &self,
        who: &Identity,
        business: BusinessId,
    ) -> ApiResult<Vec<CannedReply>> {
        if !who.staffs(business) {
            return Err(ApiError::forbidden("only this business's staff"));
        }
        Ok(canned::list(&self.pool, business).await?)
    }

    pub async fn create_canned(
        &self,
        who: &Identity,
        business: BusinessId,
        shortcut: &str,
        body: &str,
    ) -> ApiResult<CannedReply> {
        Self::owner_of(who, business)?;
        let (shortcut, body) = valid(shortcut, body)?;
        if canned::count(&self.pool, business).await? >= canned::MAX_PER_BUSINESS {
            return Err(ApiError::bad_request(format!(
                "at most {} canned replies per business",
                canned::MAX_PER_BUSINESS
            )));
        }
        written(canned::create(&self.pool, business, &shortcut, &body).await?)
    }

    pub async fn update_canned(
        &self,
        who: &Identity,
        business: BusinessId,
        id: CannedReplyId,
        shortcut: &str,
        body: &str,
    ) -> ApiResult<CannedReply> {
        Self::owner_of(who, business)?;
        let (shortcut, body) = valid(shortcut, body)?;
        written(canned::update(&self.pool, business, id, &shortcut, &body).await?)
    }

    pub async fn delete_canned(
        &self,
        who: &Identity,
        business: BusinessId,
        id: CannedReplyId,
    ) -> ApiResult<()> {
        Self::owner_of(who, business)?;
        if canned::delete(&self.pool, business, id).await? {
            Ok(())
        } else {
            Err(ApiError::not_found("canned reply not found"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::valid;

    #[test]
    fn shortcuts_are_simple_words() {
        assert!(valid("refund", "Hi").is_ok());
        assert!(valid("late-delivery_2", "Hi").is_ok());
        for bad in ["", "Refund", "two words", "é", &"x".repeat(33)] {
            assert!(valid(bad, "Hi").is_err(), "{bad:?}");
        }
        assert!(valid("ok", "  ").is_err());
    }
}
