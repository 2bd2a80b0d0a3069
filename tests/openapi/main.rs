//! The OpenAPI document against the real node: every documented operation is called, every
//! status it answers must be documented for that operation, and every JSON body must match the
//! schema the document declares for that status. A drift between code and document fails here.
//!
//! `schema` checks values against the document's schemas, `api` calls the node and checks each
//! answer, the `routes_*` modules walk the routes group by group, and `realtime` checks the
//! WebSocket frames. The route walk runs in one test, in order, because later groups build on
//! what earlier ones created, and it ends by proving that every documented operation was called.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod limits;
mod realtime;
mod routes_attachments;
mod routes_businesses;
mod routes_community;
mod routes_conversations;
mod routes_desk;
mod routes_messages;
mod routes_system;
mod schema;

use api::Api;
use common::*;

const DOC: &str = include_str!("../../docs/openapi.json");

/// The users of the route walk, and what the groups create for the groups after them.
struct Walk {
    cust: String,
    other: String,
    agent: String,
    owner: String,
    agent2: String,
    /// The customer's conversation with business 1, and the other customer's with business 2.
    conv: String,
    other_conv: String,
    /// The customer's four messages in `conv`, and the agent's reply after them.
    sent: Vec<String>,
    agent_msg: String,
    /// The customer's message carrying the image upload.
    file_msg: String,
}

impl Walk {
    fn new(n: &TestNode) -> Self {
        Walk {
            cust: n.customer(300),
            other: n.customer(301),
            agent: n.agent(2001, 1),
            owner: n.owner(2002, 1),
            agent2: n.agent(2101, 2),
            conv: String::new(),
            other_conv: String::new(),
            sent: Vec::new(),
            agent_msg: String::new(),
            file_msg: String::new(),
        }
    }
}

/// A node in demo mode, serving a throwaway widget directory with a bundle and the demo pages.
/// Returns the directory too, for the caller to remove.
async fn demo_node() -> (std::path::PathBuf, TestNode) {
    let widget = std::env::temp_dir().join(format!("shc-widget-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(widget.join("dist")).unwrap();
    std::fs::create_dir_all(widget.join("demo")).unwrap();
    std::fs::write(widget.join("dist/chat-widget.es.js"), "export {};\n").unwrap();
    for page in ["index", "customer", "agent"] {
        std::fs::write(
            widget.join(format!("demo/{page}.html")),
            format!("<!doctype html><title>{page}</title>"),
        )
        .unwrap();
    }
    let n = TestNode::start_with(|c| {
        c.demo = true;
        c.widget_dir = widget.to_string_lossy().into_owned();
    })
    .await;
    (widget, n)
}

#[tokio::test]
async fn every_documented_route_answers_as_documented() {
    let (widget, n) = demo_node().await;
    let mut api = Api::new(&n);

    routes_system::document_and_system(&mut api).await;
    routes_system::secured_routes_refuse_without_a_token(&mut api).await;
    routes_businesses::provision(&mut api).await;

    let mut w = Walk::new(&n);
    routes_conversations::open(&mut api, &mut w).await;
    routes_messages::send_and_page(&mut api, &mut w).await;
    routes_conversations::view_and_list(&mut api, &w).await;
    routes_conversations::receipts_and_typing(&mut api, &w).await;
    routes_attachments::upload_attach_download(&mut api, &mut w).await;
    routes_messages::edit_react_delete(&mut api, &w).await;
    routes_community::community(&mut api, &w).await;
    routes_desk::desk(&mut api, &w).await;
    routes_system::event_stream_and_socket(&mut api, &w).await;
    routes_system::widget_and_demo(&mut api).await;

    api.assert_all_called();
    n.stop().await;
    let _ = std::fs::remove_dir_all(widget);
}
