//! ServiHub Chat node: a raw hyper server for REST, WebSocket and SSE in front of the actor
//! system in `servihub-actors`.
//!
//! # Layout
//! - `config`: environment variables, validated at start-up.
//! - `auth`: ServiHub JWT verification and minting.
//! - `db`: database creation and migrations; `seed`: demo data.
//! - `business_cmd`: the `business add|list` command (provisioning from a shell).
//! - `error`: the service's error type (protocol codes).
//! - `service`: every business rule, once, for all transports.
//! - `realtime`: client frames applied through the service, codecs, the SSE cursor.
//! - `http`: the hyper edge: router, REST handlers, WebSocket upgrade, SSE, demo pages.
//! - `node`: wiring it all together and shutting it down cleanly.

pub mod auth;
pub mod business_cmd;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod node;
pub mod realtime;
pub mod seed;
pub mod service;

pub use node::{start, RunningNode, StartError};
