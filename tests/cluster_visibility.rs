//! The newcomer flow across two nodes: the agents' inboxes on node a, the customer's widget and
//! REST calls on node b. Presence, the new conversation and every unread count cross the
//! cluster live.

mod common;

use common::cluster::{Cluster, REDIS};
use common::flows::newcomer_flow;
use common::Transport;

async fn across_nodes(t: Transport) {
    let cluster = Cluster::start(2, REDIS, &[]).await;
    cluster.ready().await;
    let (a, b) = (&cluster.nodes[0].api, &cluster.nodes[1].api);
    newcomer_flow(&b.base, &a.base, b, t).await;
    cluster.cleanup().await;
}

#[tokio::test]
async fn a_newcomer_on_one_node_and_agents_on_another_over_websocket() {
    across_nodes(Transport::Ws).await;
}

#[tokio::test]
async fn a_newcomer_on_one_node_and_agents_on_another_over_sse() {
    across_nodes(Transport::Sse).await;
}
