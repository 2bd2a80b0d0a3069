//! A small JSON-over-HTTP/1.1 client for the node's REST routes (setup only, never on the hot path).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::error::{BenchError, Result};

/// Setup calls are few per socket; a bound keeps a dead node from hanging a run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct RestClient {
    base: String,
    /// Pooled keep-alive connections: thousands of setup calls reuse a handful of sockets.
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Status and parsed body (Null when the body is empty or not JSON).
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl RestClient {
    pub fn new(base: &str) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(64)
            .build(connector);
        Self {
            base: base.trim_end_matches('/').to_string(),
            client,
        }
    }

    /// Sends a request within `REQUEST_TIMEOUT` and collects the answer's status and body.
    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
    ) -> std::result::Result<(u16, Bytes), String> {
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| "timed out".to_string())?
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, bytes))
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Reply> {
        let method_name = method_name(&method);
        let fail = |detail: String| BenchError::Http {
            method: method_name,
            path: path.to_string(),
            detail,
        };
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let payload = match body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Bytes::from(serde_json::to_vec(v)?)
            }
            None => Bytes::new(),
        };
        let request = builder
            .body(Full::new(payload))
            .map_err(|e| fail(e.to_string()))?;
        let (status, bytes) = self.exchange(request).await.map_err(fail)?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply { status, body })
    }

    /// Plain-text GET (`/metrics`), with the status.
    pub async fn get_text(&self, path: &str) -> Result<(u16, String)> {
        let fail = |detail: String| BenchError::Http {
            method: "GET",
            path: path.to_string(),
            detail,
        };
        let request = Request::builder()
            .uri(format!("{}{}", self.base, path))
            .body(Full::new(Bytes::new()))
            .map_err(|e| fail(e.to_string()))?;
        let (status, bytes) = self.exchange(request).await.map_err(fail)?;
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "GET",
    }
}
