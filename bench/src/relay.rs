//! The floor: a bare tokio-tungstenite relay. A socket joins the room named in `?room=` and every
//! frame it sends is forwarded, untouched, to every member of the room, itself included (that copy
//! is the sender's "ack"). No auth, no parsing, no storage: what the machine allows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

use crate::error::Result;

/// Frames queued for one slow socket before the relay waits on it.
const OUTBOUND_QUEUE: usize = 1024;

type Members = Vec<(u64, mpsc::Sender<Message>)>;

#[derive(Clone, Default)]
struct Rooms {
    inner: Arc<Mutex<HashMap<String, Members>>>,
}

impl Rooms {
    fn join(&self, room: &str, id: u64, tx: mpsc::Sender<Message>) {
        if let Ok(mut rooms) = self.inner.lock() {
            rooms.entry(room.to_string()).or_default().push((id, tx));
        }
    }

    fn leave(&self, room: &str, id: u64) {
        if let Ok(mut rooms) = self.inner.lock() {
            if let Some(members) = rooms.get_mut(room) {
                members.retain(|(m, _)| *m != id);
                if members.is_empty() {
                    rooms.remove(room);
                }
            }
        }
    }

    /// A copy of the member list, so no lock is held while sending.
    fn members(&self, room: &str) -> Vec<mpsc::Sender<Message>> {
        self.inner
            .lock()
            .map(|rooms| {
                rooms
                    .get(room)
                    .map(|m| m.iter().map(|(_, tx)| tx.clone()).collect())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }
}

/// Serves until the task is dropped or aborted.
pub async fn serve(listener: TcpListener) -> Result<()> {
    let rooms = Rooms::default();
    let mut next_id = 0u64;
    loop {
        let (stream, _) = listener.accept().await?;
        next_id += 1;
        tokio::spawn(connection(stream, next_id, rooms.clone()));
    }
}

/// Binds 127.0.0.1:`port` (0 for any) and serves in the background; returns the base HTTP URL.
pub async fn spawn_local(port: u16) -> Result<(String, tokio::task::JoinHandle<Result<()>>)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    Ok((url, tokio::spawn(serve(listener))))
}

// The handshake callback's error type is tungstenite's HTTP response, fixed by its trait.
#[allow(clippy::result_large_err)]
async fn connection(stream: TcpStream, id: u64, rooms: Rooms) {
    let _ = stream.set_nodelay(true);
    let mut room = String::new();
    let callback = |request: &Request, response: Response| {
        room = request
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("room=")))
            .unwrap_or("default")
            .to_string();
        Ok(response)
    };
    let Ok(ws) = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        callback,
        Some(crate::driver::small_buffers()),
    )
    .await
    else {
        return;
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::channel::<Message>(OUTBOUND_QUEUE);
    rooms.join(&room, id, tx);
    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            if sink.send(msg).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = source.next().await {
        match msg {
            Message::Text(_) | Message::Binary(_) => {
                for member in rooms.members(&room) {
                    let _ = member.send(msg.clone()).await;
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    rooms.leave(&room, id);
    writer.abort();
}
