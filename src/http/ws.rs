//! WebSocket `GET /ws`: the token is checked before the upgrade (401, no socket), then a reader
//! decodes frames into the session actor, and a writer drains the session's outbound queue, pings
//! every 25 s and drops a socket that misses two pongs.

use super::request::{business_param, token};
use super::response::{full, Resp};
use super::AppState;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::{
    HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_PROTOCOL,
    UPGRADE,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use servihub_actors::error::{ApiError, ApiResult};
use servihub_actors::hub::{Outbound, OutboundItem, SessionHandle, CLOSE_RESUME};
use servihub_actors::identity::Identity;
use servihub_actors::protocol::codec::Codec;
use servihub_actors::protocol::{BusinessId, ErrorCode, Hello, ServerEvent};
use servihub_actors::service::LiveSession;
use servihub_actors::service::Service;
use servihub_actors::session::SessionRef;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message as WsMessage, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;
use tracing::Instrument;

pub const HEARTBEAT: Duration = Duration::from_secs(25);
/// Messages above this are refused with 1009.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// A single frame is read whole up to this size before the message limit applies, so a slightly
/// oversized message gets a clean 1009; anything larger is cut off at its header.
pub const MAX_FRAME_BYTES: usize = 2 * MAX_MESSAGE_BYTES;
/// Bad frames tolerated before the socket is closed with 1008.
const MAX_BAD_FRAMES: u32 = 10;
const READ_BUFFER_BYTES: usize = 2 * 1024;
const WRITE_BUFFER_BYTES: usize = 8 * 1024;
/// Bytes waiting for the kernel at most; the writer awaits the socket before buffering more.
const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;
/// Queued events written out together at most, so one busy socket yields to the others.
const MAX_EVENTS_PER_WRITE: usize = 64;
const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_PROTOCOL: u16 = 1002;
const CLOSE_BAD_DATA: u16 = 1007;
/// The token's `exp` passed: the socket closes then (docs/protocol.md), the client reconnects
/// with a fresh token and resumes.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4001;

pub async fn upgrade(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let business = business_param(&req)?;
    let is_upgrade = req
        .headers()
        .get(UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = req.headers().get(SEC_WEBSOCKET_KEY).cloned();
    let (true, Some(key)) = (is_upgrade, key) else {
        return Err(ApiError::bad_request("expected a WebSocket upgrade"));
    };
    let offer = req
        .headers()
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let codec = Codec::negotiate(offer.as_deref()).ok_or_else(|| {
        ApiError::bad_request(
            "unsupported subprotocol; use servihub.v1.json or servihub.v1.msgpack",
        )
    })?;

    let service = st.service.clone();
    let sessions = st.sessions.clone();
    let shutdown = st.shutdown.clone();
    // Only the upgrade goes into the socket's task, not the request it came with.
    let on_upgrade = hyper::upgrade::on(req);
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!(error = %e, "upgrade failed");
                return;
            }
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_FRAME_BYTES))
            // tungstenite allocates its read buffer up front (128 KiB by default): an idle socket
            // should cost a few KiB, and a larger frame still grows the buffer as it arrives.
            .read_buffer_size(READ_BUFFER_BYTES)
            .write_buffer_size(WRITE_BUFFER_BYTES)
            .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES);
        let ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let span = tracing::info_span!(
            "ws",
            user_id = who.user_id.0,
            session_id = tracing::field::Empty
        );
        // Boxed: the opening's state (queries, snapshot) is needed once, and a task keeps room
        // for its largest state for as long as the socket is open.
        let opened = Box::pin(open(ws, &service, sessions, &who, codec, business))
            .instrument(span.clone())
            .await;
        if let Some(live) = opened {
            run(live, shutdown, &who, codec).instrument(span).await;
        }
    });

    let mut r = Response::new(full(""));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    if offer.is_some() {
        h.insert(
            SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(codec.name()),
        );
    }
    Ok(r)
}

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// An open session's socket, greeted: what the socket's task keeps while it lives.
struct Live {
    sink: SplitSink<Ws, WsMessage>,
    stream: SplitStream<Ws>,
    outbound: Outbound,
    session: SessionRef,
    _registered: LiveSession,
}

/// Opens the session and sends `hello` and the snapshot; `None` when the socket is done.
async fn open(
    ws: Ws,
    service: &Arc<Service>,
    sessions: ractor::ActorCell,
    who: &Identity,
    codec: Codec,
    business: Option<BusinessId>,
) -> Option<Live> {
    let opened = match service.open_session(who, "ws", codec, business).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "session could not open");
            let (mut sink, _) = ws.split();
            let frame = CloseFrame {
                code: CloseCode::from(CLOSE_POLICY),
                reason: e.message.chars().take(100).collect::<String>().into(),
            };
            let _ = sink.send(WsMessage::Close(Some(frame))).await;
            return None;
        }
    };
    let handle = opened.outbound.handle.clone();
    tracing::Span::current().record("session_id", handle.id);
    let session = SessionRef::new(&sessions, service.clone(), who.clone(), handle.clone());
    let hello = ServerEvent::Hello(Hello {
        user_id: who.user_id,
        role: who.role,
        business_id: who.business_id,
        session_id: format!("{}:{}", service.node_id(), handle.id),
        heartbeat_ms: HEARTBEAT.as_millis() as u64,
    });
    let (mut sink, stream) = ws.split();
    for ev in std::iter::once(hello).chain(opened.snapshot) {
        let Some(item) = servihub_actors::hub::Outgoing::encode(codec, &ev) else {
            continue;
        };
        if sink.send(to_ws(codec, &item)).await.is_err() {
            return None;
        }
    }
    Some(Live {
        sink,
        stream,
        outbound: opened.outbound,
        session,
        _registered: opened.live,
    })
}

/// The socket's writer: drains the session's queue, pings, and closes with the right code.
async fn run(
    live: Live,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    who: &Identity,
    codec: Codec,
) {
    let Live {
        mut sink,
        stream,
        mut outbound,
        session,
        _registered,
    } = live;
    let handle = outbound.handle.clone();
    let pongs = Arc::new(AtomicU64::new(0));
    let session = Arc::new(session);
    let mut reader = tokio::spawn(read_frames(
        stream,
        codec,
        handle.clone(),
        session.clone(),
        pongs.clone(),
    ));

    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let (mut unanswered, mut last_pongs) = (0u32, 0u64);
    // Futures that fire once are made once: re-arming them on every event would cost each
    // delivery a waiter registration (the shutdown one shared by every socket).
    let expiry = token_expiry(who);
    let closed = handle.wait_closed();
    let stopping = shutdown.changed();
    tokio::pin!(expiry, closed, stopping);
    let close_code = loop {
        tokio::select! {
            _ = &mut expiry => break CLOSE_TOKEN_EXPIRED,
            item = outbound.rx.recv() => {
                let Some(item) = item else { break CLOSE_GOING_AWAY };
                metrics::histogram!("chat_outbound_queue_depth", "transport" => "ws").record(outbound.rx.len() as f64);
                // Whatever queued meanwhile goes out in the same write.
                let mut written = sink.feed(to_ws(codec, &item)).await;
                let mut more = 1;
                while written.is_ok() && more < MAX_EVENTS_PER_WRITE {
                    let Ok(next) = outbound.rx.try_recv() else { break };
                    written = sink.feed(to_ws(codec, &next)).await;
                    more += 1;
                }
                if written.is_err() || sink.flush().await.is_err() {
                    break 0;
                }
            }
            code = &mut closed => break code,
            _ = ping.tick() => {
                let seen = pongs.load(Ordering::Relaxed);
                if seen == last_pongs { unanswered += 1 } else { unanswered = 0; last_pongs = seen; }
                if unanswered > 2 {
                    tracing::info!("two pongs missed; dropping socket");
                    break CLOSE_GOING_AWAY;
                }
                if sink.send(WsMessage::Ping(Vec::new().into())).await.is_err() {
                    break 0;
                }
            }
            _ = &mut stopping => break CLOSE_GOING_AWAY,
            // The reader may have asked for a close (1008, 1009) as it ended: say so.
            _ = &mut reader => break handle.close_requested(),
        }
    };
    if close_code == CLOSE_RESUME {
        // Where the client's resume must reach back to: sent before the close, after anything
        // already queued was dropped (it comes again through the resume).
        if let Some(since) = handle.resync_since() {
            let event = ServerEvent::Resync { since };
            if let Some(item) = servihub_actors::hub::Outgoing::encode(codec, &event) {
                let _ =
                    tokio::time::timeout(Duration::from_secs(2), sink.send(to_ws(codec, &item)))
                        .await;
            }
        }
    }
    if close_code != 0 {
        let frame = CloseFrame {
            code: CloseCode::from(close_code),
            reason: close_reason(close_code).into(),
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            sink.send(WsMessage::Close(Some(frame))),
        )
        .await;
    }
    reader.abort();
    session.stop();
}

/// Decodes client frames into the session actor; answers bad ones with `error` and closes with
/// 1008 after `MAX_BAD_FRAMES` of them.
async fn read_frames(
    mut stream: SplitStream<Ws>,
    codec: Codec,
    handle: Arc<SessionHandle>,
    session: Arc<SessionRef>,
    pongs: Arc<AtomicU64>,
) {
    let mut bad = 0u32;
    while let Some(msg) = stream.next().await {
        let decoded = match msg {
            Ok(WsMessage::Text(t)) => codec.decode_text(t.as_str()),
            Ok(WsMessage::Binary(b)) => codec.decode_binary(&b),
            Ok(WsMessage::Pong(_)) => {
                pongs.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Ok(WsMessage::Close(_)) => break,
            Ok(_) => continue,
            Err(tokio_tungstenite::tungstenite::Error::Capacity(_)) => {
                metrics::counter!("chat_bad_frames_total").increment(1);
                handle.close(CLOSE_TOO_BIG);
                break;
            }
            Err(tokio_tungstenite::tungstenite::Error::Protocol(_)) => {
                metrics::counter!("chat_bad_frames_total").increment(1);
                handle.close(CLOSE_PROTOCOL);
                break;
            }
            Err(tokio_tungstenite::tungstenite::Error::Utf8(_)) => {
                metrics::counter!("chat_bad_frames_total").increment(1);
                handle.close(CLOSE_BAD_DATA);
                break;
            }
            Err(_) => break,
        };
        match decoded {
            Ok(frame) => {
                metrics::counter!("chat_frames_in_total", "transport" => "ws").increment(1);
                if session.frame(frame).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                bad += 1;
                metrics::counter!("chat_bad_frames_total").increment(1);
                handle
                    .reply(ServerEvent::error(
                        ErrorCode::BadRequest,
                        e.to_string(),
                        None,
                    ))
                    .await;
                if bad >= MAX_BAD_FRAMES {
                    handle.close(CLOSE_POLICY);
                    break;
                }
            }
        }
    }
}

/// The shared bytes of an encoded event as a frame: text for JSON, binary for MessagePack.
fn to_ws(codec: Codec, item: &OutboundItem) -> WsMessage {
    match codec {
        Codec::Json => match Utf8Bytes::try_from(item.bytes.clone()) {
            Ok(text) => WsMessage::Text(text),
            Err(_) => WsMessage::Binary(item.bytes.clone()),
        },
        Codec::MsgPack => WsMessage::Binary(item.bytes.clone()),
    }
}

/// Resolves when the session's token expires (never, for a token without one).
async fn token_expiry(who: &Identity) {
    let left = who
        .expires_at
        .map(|exp| exp.saturating_sub(chrono::Utc::now().timestamp()).max(0) as u64);
    match left {
        Some(secs) => tokio::time::sleep(Duration::from_secs(secs)).await,
        None => std::future::pending().await,
    }
}

fn close_reason(code: u16) -> &'static str {
    match code {
        1001 => "server going away; reconnect",
        1002 => "protocol error",
        1007 => "invalid UTF-8 in a text frame",
        1008 => "too many bad frames",
        1012 => "events were interrupted; reconnect and resume",
        CLOSE_TOKEN_EXPIRED => "token expired; reconnect with a fresh token",
        1009 => "frame too large",
        1011 => "internal error",
        1013 => "too slow; reconnect and resume",
        _ => "",
    }
}
