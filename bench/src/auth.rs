//! Mints the HS256 tokens the node accepts, so a run needs nothing but the node's secret.

use jsonwebtoken::{encode, EncodingKey, Header};
use serde::Serialize;

use crate::error::{BenchError, Result};

/// Claims of a ServiHub platform token (see the wire contract).
#[derive(Serialize)]
struct Claims<'a> {
    sub: String,
    role: &'a str,
    #[serde(rename = "businessId", skip_serializing_if = "Option::is_none")]
    business_id: Option<String>,
    name: String,
    exp: u64,
}

/// Who a bench socket speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Customer,
    Agent,
}

/// A token valid for a day: long enough for any run, short enough not to be a credential.
pub fn mint(secret: &str, user_id: u64, role: Role, business_id: Option<u64>) -> Result<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| BenchError::Token(e.to_string()))?
        .as_secs();
    let (role_name, name) = match role {
        Role::Customer => ("CUSTOMER", format!("bench customer {user_id}")),
        Role::Agent => ("AGENT", format!("bench agent {user_id}")),
    };
    let claims = Claims {
        sub: user_id.to_string(),
        role: role_name,
        business_id: business_id.map(|b| b.to_string()),
        name,
        exp: now + 86_400,
    };
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .map_err(|e| BenchError::Token(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_tokens_carry_their_business() {
        let token = mint("0123456789abcdef0123456789abcdef", 7, Role::Agent, Some(3)).unwrap();
        let payload = token.split('.').nth(1).unwrap();
        assert!(!payload.is_empty());
        assert_eq!(token.split('.').count(), 3);
    }
}
