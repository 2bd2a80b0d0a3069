//! ServiHub Chat node, the edge: a raw hyper server for REST, WebSocket and SSE in front of the
//! core in `servihub-actors`. The edge parses requests and writes responses and frames; every
//! rule lives in the core's service layer.
//!
//! # Layout
//! - `config`: environment variables, validated at start-up.
//! - `auth`: ServiHub JWT verification and minting (the core's token port).
//! - `http`: the hyper edge: router, REST handlers, WebSocket reader/writer, SSE, demo pages.
//! - `business_cmd`: the `business add|list` command (provisioning from a shell).
//! - `node`: wiring it all together and shutting it down cleanly.

pub mod auth;
pub mod business_cmd;
pub mod config;
pub mod http;
pub mod node;

pub use node::{start, RunningNode, StartError};
pub use servihub_actors::store::{db, seed};
