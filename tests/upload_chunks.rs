//! Uploads stored in chunks as they stream in, downloads read back a chunk at a time, and files
//! stored whole before chunks still served. The proof that an upload is never held whole: a body
//! trickled over a raw socket has most of its chunks written to its transaction before the rest
//! of the body is even sent.

mod common;

use common::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHUNK: usize = 256 * 1024;

fn file(len: usize) -> Vec<u8> {
    // Not text, not a known type: stored as application/octet-stream.
    (0..len).map(|i| (i * 7 + i / 251) as u8 | 0x80).collect()
}

async fn chunks_written(n: &TestNode) -> u64 {
    let text = n
        .http
        .get(n.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("chat_upload_chunks_total "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

#[tokio::test]
async fn a_trickled_upload_is_in_the_database_chunk_by_chunk_before_its_body_ends_and_reads_back() {
    let n = TestNode::start().await;
    let c = n.customer(100);
    let conv = n.open(&c, 1).await;
    let pool = n.node.as_ref().unwrap().pool().clone();
    let data = file(3 * 1024 * 1024 + 1000);
    let addr = n.base.trim_start_matches("http://").to_string();
    let mut sock = TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/conversations/{conv}/attachments?name=big.bin HTTP/1.1\r\nhost: {addr}\r\n\
         authorization: Bearer {c}\r\ncontent-type: application/octet-stream\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        data.len()
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    // The first 1 MiB and a bit, in small pieces, then a pause with the rest unsent.
    let sent_first = 4 * CHUNK + 100;
    for piece in data[..sent_first].chunks(16 * 1024) {
        sock.write_all(piece).await.unwrap();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let mut written = 0;
    for _ in 0..100 {
        written = chunks_written(&n).await;
        if written >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        written, 4,
        "each full chunk is stored as soon as it has arrived, and no further"
    );
    // They sit in the upload's open transaction: its backend holds the chunk table's write
    // lock, and no other session sees the file yet.
    let writers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks l JOIN pg_class t ON t.oid = l.relation
         WHERE t.relname = 'attachment_chunks' AND l.mode = 'RowExclusiveLock' AND l.granted",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(writers, 1);
    let visible: i64 = sqlx::query_scalar("SELECT count(*) FROM attachment_chunks")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(visible, 0, "nothing is kept before the upload completes");

    sock.write_all(&data[sent_first..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), sock.read_to_end(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let json = &answer[answer.find("\r\n\r\n").unwrap() + 4..];
    let a: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(a["sizeBytes"], data.len());
    assert_eq!(a["mimeType"], "application/octet-stream");
    assert_eq!(a["fileName"], "big.bin");
    let id: i64 = a["id"].as_str().unwrap().parse().unwrap();
    let (count, largest): (i64, i32) = sqlx::query_as(
        "SELECT count(*), max(octet_length(data)) FROM attachment_chunks WHERE attachment_id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((count, largest as usize), (13, CHUNK));

    let r = n
        .http
        .get(n.url(a["url"].as_str().unwrap()))
        .bearer_auth(&c)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-length"],
        data.len().to_string().as_str()
    );
    assert!(
        r.bytes().await.unwrap() == data,
        "the file comes back whole"
    );
    // In the same test: the chunk counter above is the process's.
    form_and_older_files(&n, &c, &conv, &pool).await;
    n.stop().await;
}

/// A form upload streams too, and files stored whole before chunks are still served.
async fn form_and_older_files(n: &TestNode, c: &str, conv: &str, pool: &sqlx::PgPool) {
    let data = file(CHUNK * 2 + 17);
    let mut form = b"--b0\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--b0\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\n\r\n"
        .to_vec();
    form.extend_from_slice(&data);
    form.extend_from_slice(b"\r\n--b0--\r\n");
    let r = n
        .http
        .post(n.url(&format!("/api/v1/conversations/{conv}/attachments")))
        .bearer_auth(c)
        .header("content-type", "multipart/form-data; boundary=b0")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let a: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (&a["sizeBytes"], &a["fileName"]),
        (&data.len().into(), &"f.bin".into())
    );
    let got = n
        .http
        .get(n.url(a["url"].as_str().unwrap()))
        .bearer_auth(c)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(got == data);

    // A file from before chunks: one row in attachment_blobs, read back in slices.
    let old = file(CHUNK + 5000);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (url, mime_type, size_bytes, conversation_id, uploader_id)
         VALUES ('', 'application/octet-stream', $1, $2, 100) RETURNING id",
    )
    .bind(old.len() as i64)
    .bind(conv.parse::<i64>().unwrap())
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE attachments SET url = '/api/v1/attachments/' || id WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO attachment_blobs (attachment_id, data) VALUES ($1, $2)")
        .bind(id)
        .bind(&old)
        .execute(pool)
        .await
        .unwrap();
    let r = n
        .http
        .get(n.url(&format!("/api/v1/attachments/{id}")))
        .bearer_auth(c)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-length"],
        old.len().to_string().as_str()
    );
    assert!(r.bytes().await.unwrap() == old);
}
