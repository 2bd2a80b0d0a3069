//! SSE `GET /api/v1/events`: the WebSocket's server events as `event:`/`data:` lines. Message
//! events carry `id: <cursor>` (see `realtime::cursor`) and `Last-Event-ID` replays what the
//! client missed. A comment every 25 s keeps proxies from closing an idle stream. Clients send
//! through REST, which fans out exactly like WebSocket sends.

use super::cursor::Cursor;
use super::request::{business_param, query_param, token};
use super::response::Resp;
use super::AppState;
use bytes::Bytes;
use chrono::Utc;
use futures_util::stream;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Request, Response};
use servihub_actors::error::ApiResult;
use servihub_actors::hub::{OutboundItem, Outgoing, CLOSE_RESUME};
use servihub_actors::protocol::codec::Codec;
use servihub_actors::protocol::{Message, ServerEvent};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use super::ws::HEARTBEAT;
/// Messages replayed at most on one reconnect; a client further behind pages through REST.
const MAX_REPLAY: i64 = 2000;
/// Transactions in flight when the stream began may commit rows created a little earlier.
const REPLAY_MARGIN_SECS: i64 = 30;
/// How far back a `Last-Event-ID` may reach.
const REPLAY_WINDOW_HOURS: i64 = 24;

/// One SSE event from an encoded item; `message.new` advances the stream's cursor and carries
/// it as the event id.
fn frame(item: &OutboundItem, cursor: &mut Cursor) -> Bytes {
    let id = item.position.map(|(conv, msg)| {
        cursor.advance(conv.0, msg.0);
        cursor.encode()
    });
    let mut out = Vec::with_capacity(item.bytes.len() + 64);
    if let Some(id) = id {
        out.extend_from_slice(b"id: ");
        out.extend_from_slice(id.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(item.name.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    out.extend_from_slice(&item.bytes);
    out.extend_from_slice(b"\n\n");
    Bytes::from(out)
}

fn frame_event(event: &ServerEvent, cursor: &mut Cursor) -> Bytes {
    Outgoing::encode(Codec::Json, event)
        .map(|item| frame(&item, cursor))
        .unwrap_or_default()
}

pub async fn stream(st: &AppState, req: Request<Incoming>) -> ApiResult<Resp> {
    let who = st.service.authenticate(token(&req).as_deref()).await?;
    let business = business_param(&req)?;
    let last_event_id = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| query_param(&req, "lastEventId"));
    // Register first, replay second: anything committed between the two arrives live, so the
    // replay cannot leave a hole (at worst a message comes twice and the client dedupes by id).
    let opened = st
        .service
        .open_session(&who, "sse", Codec::Json, business)
        .await?;
    let (live, outbound, snapshot) = (opened.live, opened.outbound, opened.snapshot);
    // An unreadable cursor, or one from before the replay window, means "now": a client away
    // that long reloads its history over REST instead.
    let now = Utc::now();
    let cursor = last_event_id
        .as_deref()
        .and_then(Cursor::decode)
        .filter(|c| c.since > now - chrono::Duration::hours(REPLAY_WINDOW_HOURS) && c.since <= now)
        .unwrap_or_else(|| Cursor::new(now));
    let mut first: VecDeque<ServerEvent> = snapshot.into();
    if last_event_id.is_some() {
        let since = cursor.since - chrono::Duration::seconds(REPLAY_MARGIN_SECS);
        let missed: Vec<Message> = st.service.visible_since(&who, since, MAX_REPLAY).await?;
        for message in missed {
            let seen = cursor
                .last
                .get(&message.conversation_id.0)
                .copied()
                .unwrap_or(0);
            if message.id.0 > seen {
                first.push_back(ServerEvent::MessageNew { message });
            }
        }
    }
    let shutdown = st.shutdown.clone();
    // The stream ends when the token expires; EventSource reconnects with a fresh one.
    let expires = who
        .expires_at
        .map(|exp| exp.saturating_sub(now.timestamp()).max(0) as u64)
        .map(|secs| tokio::time::Instant::now() + Duration::from_secs(secs));
    let body = stream::unfold(
        (outbound, cursor, first, live, true),
        move |(mut outbound, mut cursor, mut first, live, open)| {
            let mut shutdown = shutdown.clone();
            async move {
                let closer = outbound.handle.clone();
                if !open {
                    return None;
                }
                if let Some(ev) = first.pop_front() {
                    let bytes = frame_event(&ev, &mut cursor);
                    return Some((
                        Ok::<_, Infallible>(Frame::data(bytes)),
                        (outbound, cursor, first, live, true),
                    ));
                }
                let bytes = tokio::select! {
                    item = outbound.rx.recv() => match item {
                        Some(item) => {
                            metrics::histogram!("chat_outbound_queue_depth", "transport" => "sse").record(outbound.rx.len() as f64);
                            frame(&item, &mut cursor)
                        }
                        None => return None,
                    },
                    code = closer.wait_closed() => match resync_frame(&closer, code) {
                        // The last event: where a reconnect must replay from, then the end.
                        Some(bytes) => {
                            return Some((Ok(Frame::data(bytes)), (outbound, cursor, first, live, false)))
                        }
                        None => return None,
                    },
                    _ = until(expires) => return None,
                    _ = shutdown.changed() => return None,
                    _ = tokio::time::sleep(HEARTBEAT) => Bytes::from_static(b": keep-alive\n\n"),
                };
                Some((
                    Ok(Frame::data(bytes)),
                    (outbound, cursor, first, live, true),
                ))
            }
        },
    );
    let mut r = Response::new(BodyExt::boxed(StreamBody::new(body)));
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(r)
}

/// For a session closed to resync: a `resync` event whose id is a cursor with no per-conversation
/// entries, begun at the resync's `since`, so that `Last-Event-ID` replays everything created
/// from then on (less the margin), also below the ids the stream delivered.
fn resync_frame(handle: &servihub_actors::hub::SessionHandle, code: u16) -> Option<Bytes> {
    if code != CLOSE_RESUME {
        return None;
    }
    let since = handle.resync_since()?;
    let mut cursor = Cursor::new(since);
    let mut bytes = frame_event(&ServerEvent::Resync { since }, &mut cursor).to_vec();
    let id = format!("id: {}\n", cursor.encode());
    bytes.splice(0..0, id.into_bytes());
    Some(Bytes::from(bytes))
}

async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
