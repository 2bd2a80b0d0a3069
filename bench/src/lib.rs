//! Load-test harness for the ServiHub Chat node, with the floor (a bare relay) and a peer
//! (Socket.IO 4 + Redis adapter + `pg`) measured the same way, on the same machine.
//!
//! # Layout
//! - `config`: what one run is (target, workload, sockets, rate, duration).
//! - `auth`: mints the HS256 tokens the node accepts.
//! - `http`: a small JSON client for the node's REST setup calls and `/metrics`.
//! - `setup`: turns a config into socket plans (conversations, community subscriptions, rooms).
//! - `wire`: the three socket dialects: node JSON, relay echo, Socket.IO.
//! - `driver`: one task per socket: connect, open-loop sends, classify what comes back.
//! - `stats`: HDR histograms, counters and the [`Report`].
//! - `run`: [`run_scenario`], one measured run against servers that are up.
//! - `procstat`, `prom`: the server's RSS/CPU, and its own Prometheus histogram as a cross-check.
//! - `relay`: the floor server.
//! - `launch`: starts nodes, the relay and the peer as child processes on free loopback ports.
//! - `scenarios`: the named presets (rtt100, light, cost, scale, throughput, fanout, cluster) and
//!   the comparison.
//! - `idle`: what an idle socket costs a fresh server, stage by stage.
//! - `search`: full-text search over a generated history of a million messages.
//! - `report`: the human table, JSON and CSV; `plot`: the SVG of P99 against sockets and rate.

pub mod auth;
pub mod config;
pub mod driver;
pub mod error;
pub mod http;
pub mod idle;
pub mod launch;
pub mod plot;
pub mod procstat;
pub mod profile;
pub mod prom;
pub mod relay;
pub mod report;
pub mod run;
pub mod scenarios;
pub mod search;
pub mod setup;
pub mod stats;
pub mod summary;
pub mod wire;

pub use config::{ScenarioConfig, Target, Workload};
pub use error::{BenchError, Result};
pub use run::run_scenario;
pub use stats::Report;
