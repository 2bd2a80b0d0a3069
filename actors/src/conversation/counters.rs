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
}

impl Unread {
    pub fn load(c: &Counters) -> (Unread, HashMap<UserId, Role>) {
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
            },
            roles,
        )
    }

    /// A new message: one more for everyone but its sender.
    pub fn message(&mut self, sender: UserId) {
        self.total += 1;
        *self.sent.entry(sender).or_insert(0) += 1;
        for (user, (_, n)) in self.cursors.iter_mut() {
            if *user != sender {
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
            None => self.total - self.sent.get(&user).copied().unwrap_or(0),
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
        let (mut u, roles) = Unread::load(&Counters {
            participants: vec![(customer, Role::Customer, 0)],
            cursors: Vec::new(),
            total: 0,
        });
        assert_eq!(roles.get(&customer), Some(&Role::Customer));
        u.message(customer);
        u.message(customer);
        assert_eq!(u.of(customer), 0, "own messages are never unread");
        assert_eq!(u.of(agent), 2, "staff who never opened it see everything");
        u.read(agent, MessageId(2), 0);
        u.message(agent);
        assert_eq!((u.of(agent), u.of(customer), u.of(newcomer)), (0, 1, 3));
        u.read(agent, MessageId(1), 5);
        assert_eq!(u.of(agent), 0, "a cursor never moves back");
        assert_eq!(u.all(), (vec![(customer, 1), (agent, 0)], 3));
    }
}
