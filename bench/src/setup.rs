//! Turns a scenario into socket plans: mints tokens, opens conversations or community
//! subscriptions on the node, and names rooms on the relay and the peer.

use std::sync::Arc;

use hyper::Method;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::auth::{mint, Role};
use crate::config::{ScenarioConfig, Target, Workload};
use crate::driver::SocketPlan;
use crate::error::{BenchError, Result};
use crate::http::RestClient;

const NODE_SUBPROTOCOL: &str = "servihub.v1.json";

/// `http://host:port` → `ws://host:port`.
pub fn ws_base(http: &str) -> String {
    let trimmed = http.trim_end_matches('/');
    match trimmed.strip_prefix("http://") {
        Some(rest) => format!("ws://{rest}"),
        None => trimmed.to_string(),
    }
}

pub async fn plan(cfg: &ScenarioConfig) -> Result<Vec<SocketPlan>> {
    if cfg.urls.is_empty() {
        return Err(BenchError::Config("no server URL".into()));
    }
    match (cfg.target, &cfg.workload) {
        (Target::Node, Workload::Pairs) => node_pairs(cfg).await,
        (Target::Node, Workload::Fanout { .. }) => node_fanout(cfg).await,
        (_, Workload::Pairs) => Ok(room_pairs(cfg)),
        (_, Workload::Fanout { .. }) => Ok(room_fanout(cfg)),
    }
}

fn room_url(cfg: &ScenarioConfig, server: usize, room: &str) -> String {
    let base = ws_base(&cfg.urls[server % cfg.urls.len()]);
    match cfg.target {
        Target::Peer => format!("{base}/socket.io/?EIO=4&transport=websocket&room={room}"),
        _ => format!("{base}/relay?room={room}"),
    }
}

fn room_plan(
    cfg: &ScenarioConfig,
    index: usize,
    server: usize,
    room: &str,
    sends: bool,
) -> SocketPlan {
    SocketPlan {
        index: index as u32,
        url: room_url(cfg, server, room),
        subprotocol: None,
        conversation_id: room.to_string(),
        sends,
    }
}

fn room_pairs(cfg: &ScenarioConfig) -> Vec<SocketPlan> {
    let pairs = cfg.sockets / 2;
    let mut plans = Vec::with_capacity(pairs * 2);
    for i in 0..pairs {
        let room = format!("{}", cfg.user_base + i as u64);
        plans.push(room_plan(cfg, 2 * i, i, &room, true));
        plans.push(room_plan(cfg, 2 * i + 1, i + 1, &room, true));
    }
    plans
}

fn room_fanout(cfg: &ScenarioConfig) -> Vec<SocketPlan> {
    let room = format!("community-{}", cfg.first_business);
    (0..cfg.sockets)
        .map(|i| room_plan(cfg, i, i, &room, i == 0))
        .collect()
}

fn node_url(cfg: &ScenarioConfig, server: usize, token: &str) -> String {
    let base = ws_base(&cfg.urls[server % cfg.urls.len()]);
    format!("{base}/ws?access_token={token}")
}

/// Runs `jobs` setup calls with at most `limit` in flight, keeping their order.
async fn bounded<T, F, Fut>(limit: usize, count: usize, job: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<T>> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(limit.max(1)));
    let mut set = JoinSet::new();
    for i in 0..count {
        let gate = gate.clone();
        let fut = job(i);
        set.spawn(async move {
            let _permit = gate.acquire_owned().await;
            fut.await.map(|v| (i, v))
        });
    }
    let mut out: Vec<Option<T>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        let (i, v) = joined.map_err(|e| BenchError::Config(format!("setup task: {e}")))??;
        out[i] = Some(v);
    }
    Ok(out.into_iter().flatten().collect())
}

async fn node_pairs(cfg: &ScenarioConfig) -> Result<Vec<SocketPlan>> {
    let pairs = cfg.sockets / 2;
    let rest = RestClient::new(&cfg.urls[0]);
    let secret = cfg.jwt_secret.clone();
    let (base, first, businesses) = (cfg.user_base, cfg.first_business, cfg.businesses.max(1));
    let opened = bounded(cfg.connect_concurrency, pairs, move |i| {
        let rest = rest.clone();
        let secret = secret.clone();
        async move {
            let business = first + (i as u64 % businesses);
            let customer = mint(&secret, base + 2 * i as u64, Role::Customer, None)?;
            let agent = mint(
                &secret,
                base + 2 * i as u64 + 1,
                Role::Agent,
                Some(business),
            )?;
            let body = json!({ "businessId": business.to_string() });
            let reply = rest
                .call(
                    Method::POST,
                    "/api/v1/conversations",
                    Some(&customer),
                    Some(&body),
                )
                .await?;
            let id = id_of(&reply.body).ok_or_else(|| BenchError::Http {
                method: "POST",
                path: "/api/v1/conversations".into(),
                detail: format!(
                    "status {} body {} (business {business} seeded?)",
                    reply.status, reply.body
                ),
            })?;
            Ok((customer, agent, id))
        }
    })
    .await?;
    let mut plans = Vec::with_capacity(pairs * 2);
    for (i, (customer, agent, conversation)) in opened.into_iter().enumerate() {
        for (offset, token) in [(0, customer), (1, agent)] {
            plans.push(SocketPlan {
                index: (2 * i + offset) as u32,
                url: node_url(cfg, i + offset, &token),
                subprotocol: Some(NODE_SUBPROTOCOL),
                conversation_id: conversation.clone(),
                sends: true,
            });
        }
    }
    Ok(plans)
}

async fn node_fanout(cfg: &ScenarioConfig) -> Result<Vec<SocketPlan>> {
    let rest = RestClient::new(&cfg.urls[0]);
    let business = cfg.first_business;
    let staff = mint(&cfg.jwt_secret, cfg.user_base, Role::Agent, Some(business))?;
    let path = format!("/api/v1/businesses/{business}/community");
    let reply = rest.call(Method::GET, &path, Some(&staff), None).await?;
    // The route answers `{conversation: {id, …}, subscribed, …}`; a bare conversation is accepted too.
    let community = reply
        .body
        .get("conversation")
        .and_then(id_of)
        .or_else(|| id_of(&reply.body))
        .ok_or_else(|| BenchError::Http {
            method: "GET",
            path: path.clone(),
            detail: format!("status {} body {}", reply.status, reply.body),
        })?;
    let subscribers = cfg.sockets.saturating_sub(1);
    let secret = cfg.jwt_secret.clone();
    let base = cfg.user_base;
    let tokens = bounded(cfg.connect_concurrency, subscribers, move |j| {
        let rest = rest.clone();
        let secret = secret.clone();
        let path = format!("{path}/subscription");
        async move {
            let token = mint(&secret, base + 1 + j as u64, Role::Customer, None)?;
            let reply = rest.call(Method::PUT, &path, Some(&token), None).await?;
            if reply.status >= 300 {
                return Err(BenchError::Http {
                    method: "PUT",
                    path,
                    detail: format!("status {} body {}", reply.status, reply.body),
                });
            }
            Ok(token)
        }
    })
    .await?;
    let mut plans = Vec::with_capacity(cfg.sockets);
    for (i, token) in std::iter::once(staff).chain(tokens).enumerate() {
        plans.push(SocketPlan {
            index: i as u32,
            url: node_url(cfg, i, &token),
            subprotocol: Some(NODE_SUBPROTOCOL),
            conversation_id: community.clone(),
            sends: i == 0,
        });
    }
    Ok(plans)
}

/// A resource's id: a decimal string per the contract, a number accepted too.
fn id_of(body: &serde_json::Value) -> Option<String> {
    match body.get("id")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
