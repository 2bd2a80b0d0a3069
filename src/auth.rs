//! ServiHub JWT identity (PROTOCOL.md): HS256 only, `exp` required with 30 s leeway, optional
//! `iss`/`aud`, staff tokens must name their business. `alg: none` and every other algorithm fail
//! because the validation accepts HS256 alone.

pub mod platform;

use crate::config::JwtConfig;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use servihub_actors::protocol::{Id, Role};

/// Who is calling, as the token says.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub user_id: Id,
    pub role: Role,
    /// The business a staff member works for; None for customers.
    pub business_id: Option<Id>,
    pub name: Option<String>,
}

impl Identity {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// True when this caller is staff of `business`.
    pub fn staffs(&self, business: i64) -> bool {
        self.is_staff() && self.business_id == Some(Id(business))
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    sub: Id,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("missing token")]
    Missing,
    #[error("invalid token: {0}")]
    Invalid(String),
}

pub struct Authenticator {
    key: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
    config: JwtConfig,
}

impl Authenticator {
    pub fn new(config: &JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 30;
        let mut required = vec!["exp"];
        if config.issuer.is_some() {
            required.push("iss");
        }
        if config.audience.is_some() {
            required.push("aud");
        }
        validation.set_required_spec_claims(&required);
        match &config.issuer {
            Some(iss) => validation.set_issuer(&[iss]),
            None => validation.iss = None,
        }
        match &config.audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        Authenticator {
            key: DecodingKey::from_secret(config.secret.as_bytes()),
            encoding: EncodingKey::from_secret(config.secret.as_bytes()),
            validation,
            config: config.clone(),
        }
    }

    pub fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let data = decode::<Claims>(token, &self.key, &self.validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let c = data.claims;
        if c.sub.0 <= 0 {
            return Err(AuthError::Invalid("sub must be a positive user id".into()));
        }
        let business_id = match (c.role.is_staff(), c.business_id) {
            (true, None) => return Err(AuthError::Invalid("staff tokens need businessId".into())),
            (true, b) => b,
            (false, _) => None,
        };
        let name = c
            .name
            .map(|n| n.trim().chars().take(100).collect::<String>())
            .filter(|n| !n.is_empty());
        Ok(Identity {
            user_id: c.sub,
            role: c.role,
            business_id,
            name,
        })
    }

    /// Signs a token (the `token` command, demo sessions and tests).
    pub fn mint(&self, who: &Identity, ttl_secs: u64) -> Result<String, AuthError> {
        let exp = chrono::Utc::now().timestamp().max(0) as u64 + ttl_secs;
        let claims = Claims {
            sub: who.user_id,
            role: who.role,
            business_id: who.business_id,
            name: who.name.clone(),
            exp,
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }
}

/// Parses a TTL such as `90s`, `15m`, `1h`, `7d` (a bare number is seconds).
pub fn parse_ttl(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().ok()?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mult).filter(|v| *v > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Authenticator {
        Authenticator::new(&JwtConfig {
            secret: "x".repeat(32),
            issuer: Some("servihub".into()),
            audience: None,
        })
    }

    #[test]
    fn round_trips_and_rejects_tampering() {
        let a = auth();
        let who = Identity {
            user_id: Id(5),
            role: Role::Agent,
            business_id: Some(Id(1)),
            name: Some("Alice".into()),
        };
        let t = a.mint(&who, 60).unwrap();
        assert_eq!(a.verify(&t).unwrap(), who);
        let mut forged = t.clone();
        forged.pop();
        assert!(a.verify(&forged).is_err());
        let other = Authenticator::new(&JwtConfig {
            secret: "y".repeat(32),
            issuer: Some("servihub".into()),
            audience: None,
        });
        assert!(other.verify(&t).is_err());
        let wrong_iss = Authenticator::new(&JwtConfig {
            secret: "x".repeat(32),
            issuer: None,
            audience: None,
        });
        let t2 = wrong_iss.mint(&who, 60).unwrap();
        assert!(a.verify(&t2).is_err(), "issuer must match when configured");
    }

    #[test]
    fn ttl_parsing() {
        assert_eq!(parse_ttl("1h"), Some(3600));
        assert_eq!(parse_ttl("90"), Some(90));
        assert_eq!(parse_ttl("2d"), Some(172_800));
        assert_eq!(parse_ttl("0s"), None);
        assert_eq!(parse_ttl("1y"), None);
        assert_eq!(parse_ttl(""), None);
    }
}
