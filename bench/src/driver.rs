//! One task per socket: connect, wait until the server has registered it, then send on an open-loop
//! schedule and classify every frame that comes back.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::{sleep_until, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{client_async_with_config, WebSocketStream};

use crate::config::Target;
use crate::error::{BenchError, Result};
use crate::stats::Recorder;
use crate::wire::{classify, client_id, engine_pong, opening_frames, send_frame, Event};

pub type Ws = WebSocketStream<TcpStream>;

/// A connect or handshake that takes longer than this is a failure, not a slow sample.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A socket that drops mid-run reconnects at most this many times before it gives up.
const MAX_RECONNECTS: u32 = 3;

/// Where one socket connects and what it sends into.
#[derive(Clone, Debug)]
pub struct SocketPlan {
    pub index: u32,
    pub url: String,
    pub subprotocol: Option<&'static str>,
    pub conversation_id: String,
    pub sends: bool,
}

/// The shared clock of a run: every socket sends from `start` (plus its phase) until `stop`.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    pub start: Instant,
    pub stop: Instant,
    /// Reading goes on until here so late acks and deliveries are still counted.
    pub close_at: Instant,
    pub period: Duration,
    /// Spreads sockets over the period, so 100 sockets at 10/s do not all send on the same tick.
    pub phase: Duration,
    pub max_messages: Option<u64>,
}

/// Small buffers: bench frames are ~200 bytes, and 10,000 sockets with the 128 KiB default would
/// cost the load generator more memory than the server it measures.
pub fn small_buffers() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
}

/// Opens a WebSocket with Nagle off (latency, not bandwidth, is measured here).
pub async fn connect(url: &str, subprotocol: Option<&str>) -> Result<Ws> {
    let mut request = url
        .into_client_request()
        .map_err(|e| BenchError::Ws(e.to_string()))?;
    if let Some(p) = subprotocol {
        let value = HeaderValue::from_str(p).map_err(|e| BenchError::Ws(e.to_string()))?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", value);
    }
    let host = request.uri().host().unwrap_or("127.0.0.1").to_string();
    let port = request.uri().port_u16().unwrap_or(80);
    let attempt = async {
        let stream = TcpStream::connect((host.as_str(), port)).await?;
        stream.set_nodelay(true)?;
        let (ws, _) = client_async_with_config(request, stream, Some(small_buffers()))
            .await
            .map_err(|e| BenchError::Ws(format!("{url_kind}: {e}", url_kind = kind(url))))?;
        Ok::<_, BenchError>(ws)
    };
    timeout(CONNECT_TIMEOUT, attempt)
        .await
        .map_err(|_| BenchError::Timeout(format!("connect to {}", kind(url))))?
}

/// The URL without its token, for error messages.
fn kind(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// Waits until the server is ready to route to this socket: the node's `hello`, Socket.IO's
/// namespace connect; the relay registers a socket on accept.
pub async fn await_ready(target: Target, ws: &mut Ws) -> Result<()> {
    for frame in opening_frames(target) {
        ws.send(frame)
            .await
            .map_err(|e| BenchError::Ws(e.to_string()))?;
    }
    let marker = match target {
        Target::Floor => return Ok(()),
        Target::Node => "\"hello\"",
        Target::Peer => "40",
    };
    let wait = async {
        while let Some(frame) = ws.next().await {
            let frame = frame.map_err(|e| BenchError::Ws(e.to_string()))?;
            if let Message::Text(t) = frame {
                let ready = match target {
                    Target::Peer => t.as_str().starts_with(marker),
                    _ => t.as_str().contains(marker),
                };
                if ready {
                    return Ok(());
                }
                if t.as_str().contains("\"error\"") || t.as_str().starts_with("44") {
                    return Err(BenchError::Ws(format!("refused: {}", t.as_str())));
                }
            }
        }
        Err(BenchError::Ws("closed before ready".into()))
    };
    timeout(CONNECT_TIMEOUT, wait)
        .await
        .map_err(|_| BenchError::Timeout("waiting for hello".into()))?
}

/// Connects and waits for readiness, as one step.
pub async fn open(target: Target, plan: &SocketPlan) -> Result<Ws> {
    let mut ws = connect(&plan.url, plan.subprotocol).await?;
    await_ready(target, &mut ws).await?;
    Ok(ws)
}

/// Runs one socket until `close_at`. Send times are the *intended* times of the open-loop
/// schedule, so a stalled server shows up as latency instead of silently lowering the load.
pub async fn drive(
    target: Target,
    plan: SocketPlan,
    mut ws: Ws,
    schedule: Schedule,
    recorder: Arc<Recorder>,
    body: Arc<str>,
) {
    let mut seq: u64 = 0;
    let mut next_send = schedule.start + schedule.phase;
    let mut reconnects = 0;
    loop {
        if Instant::now() >= schedule.close_at {
            break;
        }
        let budget_left = match schedule.max_messages {
            Some(max) => seq < max,
            None => true,
        };
        let sending = plan.sends && budget_left && next_send < schedule.stop;
        let wake = if sending {
            next_send
        } else {
            schedule.close_at
        };
        let healthy = tokio::select! {
            _ = sleep_until(wake.into()) => {
                if !sending {
                    break;
                }
                let sent_us = next_send.saturating_duration_since(recorder.epoch).as_micros() as u64;
                let id = client_id(recorder.run_id, plan.index, seq, sent_us);
                seq += 1;
                next_send += schedule.period;
                recorder.sent.fetch_add(1, Ordering::Relaxed);
                ws.send(send_frame(target, &plan.conversation_id, &id, &body)).await.is_ok()
            }
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    match classify(target, plan.index, text.as_str()) {
                        Event::Ack { sent_us } => recorder.record_ack(sent_us),
                        Event::Delivery { sent_us } => recorder.record_delivery(sent_us),
                        Event::Error { code } => recorder.record_error(&code),
                        Event::EnginePing => {
                            let _ = ws.send(engine_pong()).await;
                        }
                        Event::Other => {}
                    }
                    true
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => false,
                Some(Ok(_)) => true,
            },
        };
        if healthy {
            continue;
        }
        if reconnects >= MAX_RECONNECTS {
            recorder.record_error("socket_lost");
            return;
        }
        reconnects += 1;
        recorder.reconnects.fetch_add(1, Ordering::Relaxed);
        match open(target, &plan).await {
            Ok(fresh) => ws = fresh,
            Err(_) => {
                recorder.connect_failures.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
    let _ = ws.close(None).await;
}
