//! The core of the chat node: the wire protocol, who hears what, the service layer every
//! transport calls, the actors, the store, and the ports for what crosses nodes. Nothing here
//! knows HTTP; only `redis` knows Redis.
//!
//! # Layout
//! - `protocol`: the wire types of PROTOCOL.md, defined once (TypeScript is generated from them),
//!   typed ids, and the frame codecs.
//! - `routing`: the one rule of who hears which event, and who may read or write what.
//! - `identity`, `error`: the caller, and the protocol's errors.
//! - `service`: every business rule, once, for REST, WebSocket and SSE alike.
//! - `session`: the actor behind each WebSocket, applying its frames through the service.
//! - `hub`: topics to local sessions, each with a bounded outbound queue; encodes once.
//! - `conversation`: one actor per active conversation: participants, read cursors, unread,
//!   typing, ordered fan-out.
//! - `presence`: who is online, on this node and across the cluster.
//! - `persistence`: batched message writes, acked after COMMIT.
//! - `notifier`: offline notifications from the outbox to the platform's webhook.
//! - `store`: every SQL statement, grouped by table family.
//! - `ports`: traits for what crosses nodes (relay, cluster presence, rate limits) and for token
//!   verification.
//! - `redis`: the Redis side of the ports.
//! - `supervision`: containment of actor failures.

pub mod conversation;
pub mod error;
pub mod hub;
pub mod identity;
pub mod notifier;
pub mod persistence;
pub mod ports;
pub mod presence;
pub mod protocol;
pub mod redis;
pub mod routing;
pub mod service;
pub mod session;
pub mod store;
pub mod supervision;
