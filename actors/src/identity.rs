//! Who is calling, as the platform's token says (the edge verifies the token).

use crate::protocol::{BusinessId, Role, UserId};
use crate::routing::Viewer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: UserId,
    pub role: Role,
    /// The business a staff member works for; None for customers.
    pub business_id: Option<BusinessId>,
    pub name: Option<String>,
    /// When the token stops being valid (Unix seconds): live sockets close then.
    pub expires_at: Option<i64>,
}

impl Identity {
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// The business this caller staffs, if any.
    pub fn staff_of(&self) -> Option<BusinessId> {
        self.business_id.filter(|_| self.is_staff())
    }

    /// True when this caller is staff of `business`.
    pub fn staffs(&self, business: BusinessId) -> bool {
        self.staff_of() == Some(business)
    }

    pub fn viewer(&self) -> Viewer {
        Viewer {
            user: self.user_id,
            role: self.role,
            business: self.staff_of(),
        }
    }
}
