//! Typed database ids. BIGINT does not fit a JavaScript number, so on the wire every id is a
//! decimal string; a JSON number is accepted on the way in because some clients send one. Each
//! kind of id is its own type, so a user id can never be passed where a conversation id belongs.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS, sqlx::Type,
        )]
        #[ts(export, type = "string")]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse::<i64>().map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(IdVisitor).map($name)
            }
        }
    };
}

typed_id!(
    /// A platform user (customer or staff), the token's `sub`.
    UserId
);
typed_id!(
    /// A business on the platform.
    BusinessId
);
typed_id!(
    /// A conversation: a customer's DIRECT chat with a business, or a business's community.
    ConversationId
);
typed_id!(
    /// A message; ordered within its conversation.
    MessageId
);
typed_id!(
    /// An uploaded file.
    AttachmentId
);
typed_id!(
    /// A business's canned reply.
    CannedReplyId
);

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id as a decimal string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("invalid id {v:?}")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom("id out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_and_accept_numbers() {
        assert_eq!(
            serde_json::to_string(&MessageId(9007199254740993)).unwrap(),
            "\"9007199254740993\""
        );
        assert_eq!(
            serde_json::from_str::<UserId>("\"42\"").unwrap(),
            UserId(42)
        );
        assert_eq!(serde_json::from_str::<UserId>("42").unwrap(), UserId(42));
        assert!(serde_json::from_str::<UserId>("\"4x\"").is_err());
        assert!(serde_json::from_str::<UserId>("-").is_err());
        let bytes = rmp_serde::to_vec_named(&BusinessId(7)).unwrap();
        assert_eq!(
            rmp_serde::from_slice::<BusinessId>(&bytes).unwrap(),
            BusinessId(7)
        );
    }
}
