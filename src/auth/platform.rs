//! The platform's own service identity: a token with `role: "PLATFORM"` (same secret, issuer and
//! audience rules as user tokens) provisions businesses through `/api/v1/businesses`. It names no
//! user and is refused by every user route.

use super::{AuthError, Authenticator};
use jsonwebtoken::{decode, encode, Algorithm, Header};
use serde::{Deserialize, Serialize};

pub const PLATFORM_ROLE: &str = "PLATFORM";

/// The platform service that called, as its token's `sub` names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Platform {
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct PlatformClaims {
    /// A service name (`"platform"`) or a number; any non-empty value.
    sub: serde_json::Value,
    role: String,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
}

/// Why a token is not a platform token.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlatformAuthError {
    /// The token is missing, malformed, expired or badly signed: 401.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A valid token of another role: 403.
    #[error("this route needs a token with role PLATFORM, not {0}")]
    NotPlatform(String),
}

impl Authenticator {
    /// Verifies a platform token: signature, `exp`, `iss`/`aud` as for user tokens, then the role.
    pub fn verify_platform(&self, token: &str) -> Result<Platform, PlatformAuthError> {
        let data = decode::<PlatformClaims>(token, &self.key, &self.validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let c = data.claims;
        if c.role != PLATFORM_ROLE {
            return Err(PlatformAuthError::NotPlatform(c.role));
        }
        let name = match c.sub {
            serde_json::Value::String(s) => s.trim().to_string(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if name.is_empty() {
            return Err(AuthError::Invalid("sub must name the platform service".into()).into());
        }
        Ok(Platform { name })
    }

    /// True when `token` is a valid platform token (to explain a refusal on a user route).
    pub fn is_platform(&self, token: &str) -> bool {
        self.verify_platform(token).is_ok()
    }

    /// Signs a platform token for the service `name` (the `token --role PLATFORM` command, tests).
    pub fn mint_platform(&self, name: &str, ttl_secs: u64) -> Result<String, AuthError> {
        let exp = chrono::Utc::now().timestamp().max(0) as u64 + ttl_secs;
        let claims = PlatformClaims {
            sub: serde_json::Value::String(name.to_string()),
            role: PLATFORM_ROLE.into(),
            exp,
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Identity;
    use crate::config::JwtConfig;
    use servihub_actors::protocol::{BusinessId, Role, UserId};

    fn auth(issuer: Option<&str>) -> Authenticator {
        Authenticator::new(&JwtConfig {
            secret: "p".repeat(32),
            issuer: issuer.map(str::to_string),
            audience: None,
        })
    }

    #[test]
    fn platform_tokens_round_trip_and_are_not_user_tokens() {
        let a = auth(Some("servihub"));
        let t = a.mint_platform("platform", 60).unwrap();
        assert_eq!(
            a.verify_platform(&t).unwrap(),
            Platform {
                name: "platform".into()
            }
        );
        assert!(a.is_platform(&t));
        assert!(a.verify(&t).is_err(), "a platform token is no user");
        let user = a
            .mint(
                &Identity {
                    user_id: UserId(7),
                    role: Role::Owner,
                    business_id: Some(BusinessId(1)),
                    name: None,
                    expires_at: None,
                },
                60,
            )
            .unwrap();
        assert_eq!(
            a.verify_platform(&user),
            Err(PlatformAuthError::NotPlatform("OWNER".into()))
        );
        assert!(!a.is_platform(&user));
        let other = auth(None).mint_platform("platform", 60).unwrap();
        assert!(matches!(
            a.verify_platform(&other),
            Err(PlatformAuthError::Auth(_))
        ));
        let blank = a.mint_platform("  ", 60).unwrap();
        assert!(matches!(
            a.verify_platform(&blank),
            Err(PlatformAuthError::Auth(_))
        ));
    }
}
