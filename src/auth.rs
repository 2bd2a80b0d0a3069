//! ServiHub JWT identity (PROTOCOL.md): HS256 only, `exp` required with 30 s leeway, optional
//! `iss`/`aud`, staff tokens must name their business. `alg: none` and every other algorithm fail
//! because the validation accepts HS256 alone.

pub mod platform;

use crate::config::JwtConfig;
use hmac::{Hmac, Mac};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
pub use servihub_actors::identity::Identity;
use servihub_actors::ports::TokenVerifier;
use servihub_actors::protocol::{BusinessId, Role, UserId};
use servihub_actors::service::text::display_name;
use sha2::Sha256;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    sub: UserId,
    role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_id: Option<BusinessId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<Audience>,
}

/// RFC 7519 lets `aud` be one string or an array of them.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
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
        validation.validate_nbf = true;
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
        // Plain text, like every user-controlled field (docs/protocol.md "Content").
        let name = c.name.as_deref().and_then(display_name);
        Ok(Identity {
            user_id: c.sub,
            role: c.role,
            business_id,
            name,
            expires_at: i64::try_from(c.exp).ok(),
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
            aud: self.config.audience.clone().map(Audience::One),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Invalid(e.to_string()))
    }
}

impl TokenVerifier for Authenticator {
    fn verify(&self, token: &str) -> Result<Identity, String> {
        Authenticator::verify(self, token).map_err(|e| {
            if self.is_platform(token) {
                "a PLATFORM token is only accepted by /api/v1/businesses".to_string()
            } else {
                e.to_string()
            }
        })
    }

    fn sign(&self, payload: &str) -> Option<String> {
        Authenticator::sign(self, payload)
    }

    fn verify_signature(&self, payload: &str, signature: &str) -> bool {
        Authenticator::verify_signature(self, payload, signature)
    }
}

impl Authenticator {
    /// HMAC-SHA256 of `payload` under the JWT secret, hex: signs short-lived file links, so a
    /// link can be opened without a token and a token never rides in a URL.
    /// None only if the HMAC refused the key, which it does for no length.
    pub fn sign(&self, payload: &str) -> Option<String> {
        Some(hex::encode(self.mac(payload)?.finalize().into_bytes()))
    }

    /// Whether `signature` is `sign(payload)`, compared in constant time.
    pub fn verify_signature(&self, payload: &str, signature: &str) -> bool {
        match (hex::decode(signature), self.mac(payload)) {
            (Ok(bytes), Some(mac)) => mac.verify_slice(&bytes).is_ok(),
            _ => false,
        }
    }

    fn mac(&self, payload: &str) -> Option<Hmac<Sha256>> {
        // A domain prefix keeps a link signature from ever matching any other use of the secret.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.config.secret.as_bytes()).ok()?;
        mac.update(b"servihub-link:");
        mac.update(payload.as_bytes());
        Some(mac)
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
            user_id: UserId(5),
            role: Role::Agent,
            business_id: Some(BusinessId(1)),
            name: Some("Alice".into()),
            expires_at: None,
        };
        let t = a.mint(&who, 60).unwrap();
        let back = a.verify(&t).unwrap();
        assert!(back
            .expires_at
            .is_some_and(|e| e > chrono::Utc::now().timestamp()));
        assert_eq!(
            Identity {
                expires_at: None,
                ..back
            },
            who
        );
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
