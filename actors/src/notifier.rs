//! Offline notifications: drains the durable outbox (written in the same transaction as the
//! messages) to the platform's webhook as signed JSON POSTs, retrying with exponential backoff
//! and jitter until a 2xx. Rows are leased, so a node that dies mid-delivery only delays them,
//! and several nodes share the work. Delivery is at least once; the platform dedupes by
//! `deliveryId` + `lastMessageId`.

use crate::store::outbox::{self, Due};
use crate::store::PgPool;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use ractor::{Actor, ActorProcessingErr, ActorRef};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct NotifierConfig {
    pub url: hyper::Uri,
    pub secret: Option<String>,
    /// How often the outbox is polled for due rows.
    pub poll: Duration,
    /// The first retry waits this long; each further one doubles it, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a claimed row stays invisible to other pollers.
    pub lease: Duration,
    /// Rows claimed per poll, which bounds the work in flight.
    pub batch: i64,
    pub timeout: Duration,
}

impl NotifierConfig {
    pub fn new(url: hyper::Uri, secret: Option<String>) -> Self {
        NotifierConfig {
            url,
            secret,
            poll: Duration::from_millis(500),
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            lease: Duration::from_secs(30),
            batch: 50,
            timeout: Duration::from_secs(5),
        }
    }

    fn backoff(&self, attempts: i32) -> Duration {
        let exp = self
            .base_backoff
            .saturating_mul(1u32 << attempts.clamp(0, 16) as u32);
        let jitter = Duration::from_millis(rand::random::<u64>() % 250);
        exp.min(self.max_backoff) + jitter
    }
}

/// `sha256=<hex>` of the body under the shared secret: the platform recomputes it to trust the call.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn payload(due: &Due) -> serde_json::Value {
    json!({
        "type": "chat.offline_message",
        "deliveryId": due.id.to_string(),
        "userId": due.user_id.to_string(),
        "conversationId": due.conversation_id.to_string(),
        "businessId": due.business_id.to_string(),
        "lastMessageId": due.last_message_id.to_string(),
        "messageCount": due.message_count,
        "preview": due.preview,
        "senderName": due.sender_name,
        "firstQueuedAt": due.created_at,
    })
}

pub enum NotifierMsg {
    Tick,
}

pub struct Notifier;

pub struct NotifierState {
    pool: PgPool,
    config: NotifierConfig,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Notifier {
    async fn deliver(st: &NotifierState, due: &Due) -> Result<(), String> {
        let body = serde_json::to_vec(&payload(due)).map_err(|e| e.to_string())?;
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let mut req = hyper::Request::post(st.config.url.clone())
            .header("content-type", "application/json")
            .header("x-servihub-timestamp", &timestamp)
            .header("x-servihub-delivery", due.id.to_string());
        if let Some(secret) = &st.config.secret {
            req = req.header("x-servihub-signature", signature(secret, &timestamp, &body));
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let resp = tokio::time::timeout(st.config.timeout, st.client.request(req))
            .await
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let _ = resp.into_body().collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("webhook answered {status}"))
        }
    }

    async fn poll(st: &NotifierState) -> Result<(), ActorProcessingErr> {
        let due = outbox::claim(&st.pool, st.config.batch, st.config.lease.as_secs_f64()).await?;
        for row in due {
            match Self::deliver(st, &row).await {
                Ok(()) => {
                    outbox::delivered(&st.pool, &row).await?;
                    metrics::counter!("chat_notifications_total", "result" => "delivered")
                        .increment(1);
                }
                Err(e) => {
                    let wait = st.config.backoff(row.attempts);
                    tracing::warn!(error = %e, outbox_id = row.id, attempts = row.attempts + 1, retry_ms = wait.as_millis() as u64, "webhook delivery failed");
                    outbox::failed(&st.pool, row.id, wait.as_millis() as u64, &e).await?;
                    metrics::counter!("chat_notifications_total", "result" => "failed")
                        .increment(1);
                }
            }
        }
        Ok(())
    }
}

impl Actor for Notifier {
    type Msg = NotifierMsg;
    type State = NotifierState;
    type Arguments = (PgPool, NotifierConfig);

    async fn pre_start(
        &self,
        me: ActorRef<Self::Msg>,
        (pool, config): Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        me.send_interval(config.poll, || NotifierMsg::Tick);
        let client = Client::builder(TokioExecutor::new()).build_http();
        Ok(NotifierState {
            pool,
            config,
            client,
        })
    }

    async fn handle(
        &self,
        _me: ActorRef<Self::Msg>,
        msg: NotifierMsg,
        st: &mut NotifierState,
    ) -> Result<(), ActorProcessingErr> {
        let NotifierMsg::Tick = msg;
        // A database hiccup is logged and retried on the next tick, not a reason to die.
        if let Err(e) = Self::poll(st).await {
            tracing::error!(error = %e, "outbox poll failed");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_timestamp_and_body() {
        let s = signature("secret", "1700000000", b"{}");
        assert!(s.starts_with("sha256="));
        assert_eq!(s.len(), 7 + 64);
        assert_ne!(s, signature("other", "1700000000", b"{}"));
        assert_ne!(s, signature("secret", "1700000001", b"{}"));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let c = NotifierConfig::new("http://127.0.0.1:1/".parse().unwrap(), None);
        assert!(c.backoff(0) < Duration::from_millis(1300));
        assert!(c.backoff(3) >= Duration::from_secs(8));
        assert!(c.backoff(30) <= Duration::from_millis(300_250));
    }
}
