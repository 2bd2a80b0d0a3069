//! What one measured run is: which server, which workload, how many sockets, how fast, how long.

use std::time::Duration;

use serde::Serialize;

/// The kind of server a run talks to; each speaks its own dialect on the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The ServiHub Chat node: JWT, REST setup, durable `message.ack`.
    Node,
    /// The floor: the bench's bare relay, no auth and no storage.
    Floor,
    /// The peer: Socket.IO 4 + Redis adapter + one `pg` INSERT per message.
    Peer,
}

impl Target {
    pub fn label(self) -> &'static str {
        match self {
            Target::Node => "node",
            Target::Floor => "floor",
            Target::Peer => "peer",
        }
    }
}

/// How sockets are grouped and who sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Customer/agent pairs, each pair in its own conversation; both members send.
    Pairs,
    /// One staff socket posts `announcements` into a community that every other socket follows.
    Fanout { announcements: u32 },
}

#[derive(Clone, Debug)]
pub struct ScenarioConfig {
    /// Preset name, printed with the report so a number always comes with its parameters.
    pub name: String,
    pub target: Target,
    /// Base HTTP URLs (`http://127.0.0.1:PORT`). With several (a cluster), pair i's customer
    /// connects to `urls[i % n]` and its agent to `urls[(i + 1) % n]`, so every message crosses nodes.
    pub urls: Vec<String>,
    /// The node's `JWT_SECRET`; the bench mints its own tokens with it.
    pub jwt_secret: String,
    pub workload: Workload,
    /// Connected sockets (pairs: two per conversation; fanout: subscribers plus one sender).
    pub sockets: usize,
    /// Messages per second per sending socket (fanout: announcements per second).
    pub rate_per_socket: f64,
    /// Length of the sending window.
    pub duration: Duration,
    /// Samples sent in the first part of the window are dropped: connection pools and caches warm up.
    pub warmup: Duration,
    /// How long to keep reading after the last send, so late acks are counted rather than lost.
    pub drain: Duration,
    pub body_bytes: usize,
    /// Pairs are spread over businesses `first_business ..= first_business + businesses - 1`
    /// (one business per pair keeps an agent from receiving everyone's inbox).
    pub first_business: u64,
    pub businesses: u64,
    /// Offset of the bench's user ids, so scenarios on one database do not share users.
    pub user_base: u64,
    /// Server processes whose RSS and CPU the report includes (empty: not measured).
    pub server_pids: Vec<u32>,
    /// Sockets opened at once; a bound keeps the accept queue and the setup calls sane.
    pub connect_concurrency: usize,
}

impl ScenarioConfig {
    /// A pairs run with the harness's defaults; presets and tests adjust the fields they need.
    pub fn pairs(
        name: &str,
        target: Target,
        url: &str,
        jwt_secret: &str,
        sockets: usize,
        rate_per_socket: f64,
        duration: Duration,
    ) -> Self {
        Self {
            name: name.to_string(),
            target,
            urls: vec![url.to_string()],
            jwt_secret: jwt_secret.to_string(),
            workload: Workload::Pairs,
            sockets,
            rate_per_socket,
            duration,
            warmup: Duration::from_secs(2).min(duration / 5),
            drain: Duration::from_secs(2),
            body_bytes: 64,
            first_business: 1,
            businesses: (sockets as u64 / 2).max(1),
            user_base: 10_000_000,
            server_pids: Vec::new(),
            connect_concurrency: 64,
        }
    }

    /// Durable messages per second the run offers in total.
    pub fn offered_rate(&self) -> f64 {
        match self.workload {
            Workload::Pairs => self.sockets as f64 * self.rate_per_socket,
            Workload::Fanout { .. } => self.rate_per_socket,
        }
    }

    /// One line of parameters, printed above every table.
    pub fn describe(&self) -> String {
        let workload = match &self.workload {
            Workload::Pairs => format!("{} pairs", self.sockets / 2),
            Workload::Fanout { announcements } => format!(
                "{} subscribers, {announcements} announcements",
                self.sockets.saturating_sub(1)
            ),
        };
        format!(
            "{} on {} ({} server(s)): {} sockets, {workload}, {:.2} msg/s per sender \
             ({:.0} msg/s offered), {:.0} s (warm-up {:.0} s), {} B bodies",
            self.name,
            self.target.label(),
            self.urls.len(),
            self.sockets,
            self.rate_per_socket,
            self.offered_rate(),
            self.duration.as_secs_f64(),
            self.warmup.as_secs_f64(),
            self.body_bytes
        )
    }
}
