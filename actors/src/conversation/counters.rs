//! Unread counts of one conversation, per counter owner. A user with a read cursor has its own
//! count; a participant without one has every message not its own; anyone else (staff who never
//! opened the conversation) has every message. So one payload serves every reader's session,
//! whether or not it has ever opened the conversation.

use crate::protocol::{MessageId, Role, UserId};
use crate::store::conversations::Counters;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct Unread {
    /// Users with a read cursor: the cursor and what is unread behind it.
    cursors: HashMap<UserId, (MessageId, i64)>,
    /// Messages each participant sent (not deleted).
    sent: HashMap<UserId, i64>,
    /// Messages not deleted.
    total: i64,
    /// Private notes among them: counted for staff, never for the customer.
    notes: i64,
    /// The customer of a DIRECT conversation.
    customer: Option<UserId>,
}

impl Unread {
    pub fn load(c: &Counters, customer: Option<UserId>) -> (Unread, HashMap<UserId, Role>) {
        let mut roles = HashMap::new();
        let mut sent = HashMap::new();
        for (user, role, n) in &c.participants {
            roles.insert(*user, *role);
            sent.insert(*user, *n);
        }
        let cursors = c.cursors.iter().map(|(u, at, n)| (*u, (*at, *n))).collect();
        (
            Unread {
                cursors,
                sent,
                total: c.total,
                notes: c.notes,
                customer,
            },
            roles,
        )
    }

    /// A new message: one more for everyone but its sender (a note: not for the customer).
    pub fn message(&mut self, sender: UserId, private: bool) {
        self.total += 1;
        if private {
            self.notes += 1;
        }
        *self.sent.entry(sender).or_insert(0) += 1;
        for (user, (_, n)) in self.cursors.iter_mut() {
            if *user != sender && !(private && Some(*user) == self.customer) {
                *n += 1;
            }
        }
    }

    /// A read receipt, with the count the store computed behind the new cursor.
    pub fn read(&mut self, user: UserId, at: MessageId, count: i64) {
        let e = self.cursors.entry(user).or_insert((at, count));
        if at >= e.0 {
            *e = (at, count);
        }
    }

    /// A count another node computed for a reader (its cursor moved there).
    pub fn set(&mut self, user: UserId, count: i64) {
        self.cursors.entry(user).or_insert((MessageId(0), count)).1 = count;
    }

    /// Whether this user has a counter of its own here.
    pub fn tracks(&self, user: UserId) -> bool {
        self.cursors.contains_key(&user) || self.sent.contains_key(&user)
    }

    pub fn of(&self, user: UserId) -> i64 {
        match self.cursors.get(&user) {
            Some((_, n)) => *n,
            None => {
                let hidden = if Some(user) == self.customer {
                    self.notes
                } else {
                    0
                };
                self.total - hidden - self.sent.get(&user).copied().unwrap_or(0)
            }
        }
    }

    /// Every known counter, and the count of everyone else.
    pub fn all(&self) -> (Vec<(UserId, i64)>, i64) {
        let mut counts: Vec<(UserId, i64)> =
            self.cursors.keys().map(|u| (*u, self.of(*u))).collect();
        counts.extend(
            self.sent
                .keys()
                .filter(|u| !self.cursors.contains_key(u))
                .map(|u| (*u, self.of(*u))),
        );
        counts.sort();
        (counts, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_messages_reads_and_who_never_opened() {
        let customer = UserId(1);
        let agent = UserId(2);
        let newcomer = UserId(3);
        let (mut u, roles) = Unread::load(
            &Counters {
                participants: vec![(customer, Role::Customer, 0)],
                cursors: Vec::new(),
                total: 0,
                notes: 0,
            },
            Some(customer),
        );
        assert_eq!(roles.get(&customer), Some(&Role::Customer));
        u.message(customer, false);
        u.message(customer, false);
        assert_eq!(u.of(customer), 0, "own messages are never unread");
        assert_eq!(u.of(agent), 2, "staff who never opened it see everything");
        u.read(agent, MessageId(2), 0);
        u.message(agent, false);
        assert_eq!((u.of(agent), u.of(customer), u.of(newcomer)), (0, 1, 3));
        u.read(agent, MessageId(1), 5);
        assert_eq!(u.of(agent), 0, "a cursor never moves back");
        assert_eq!(u.all(), (vec![(customer, 1), (agent, 0)], 3));
    }

    #[test]
    fn private_notes_count_for_staff_only() {
        let customer = UserId(1);
        let (agent, colleague) = (UserId(2), UserId(3));
        let (mut u, _) = Unread::load(
            &Counters {
                participants: vec![(customer, Role::Customer, 1), (agent, Role::Agent, 1)],
                cursors: Vec::new(),
                total: 3,
                notes: 1,
            },
            Some(customer),
        );
        assert_eq!(
            u.of(customer),
            1,
            "the stored note is hidden from the customer"
        );
        u.message(agent, true);
        assert_eq!((u.of(customer), u.of(colleague)), (1, 4));
        u.read(customer, MessageId(9), 0);
        u.message(agent, true);
        assert_eq!(u.of(customer), 0, "a note never moves the customer's badge");
        u.message(agent, false);
        assert_eq!(u.of(customer), 1);
    }
}
