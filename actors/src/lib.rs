//! The core of the chat node: the wire protocol, the store, and the actor system that fans events
//! out to live sessions. No HTTP lives here except the notifier's webhook client.
//!
//! # Layout
//! - `protocol`: the wire types of PROTOCOL.md, defined once (TypeScript is generated from them).
//! - `store`: every SQL statement, grouped by table family.
//! - `bridge`: the Redis link between the nodes of a cluster: events, cluster presence.
//! - `presence`: who is online, on this node and across the cluster.

pub mod bridge;
pub mod conversation;
pub mod hub;
pub mod notifier;
pub mod persistence;
pub mod presence;
pub mod protocol;
pub mod session;
pub mod store;
pub mod supervision;
