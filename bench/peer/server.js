'use strict';
// The peer the bench compares against: what a team would build on the usual stack. Socket.IO 4
// with the Redis adapter (so it can scale out like the node), and each message stored in Postgres
// with `pg` before it is acked to the sender and emitted to the room.
const http = require('http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const { createClient } = require('redis');
const { Pool, Client } = require('pg');

const port = Number(process.env.PORT || 3100);
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/servihub_bench_peer';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

// Creates the peer's database on first use, as the node does for its own.
async function ensureDatabase() {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    if (err.code !== '42P04') throw err; // already exists
  } finally {
    await admin.end();
  }
}

async function main() {
  await ensureDatabase();
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  await pool.query(`CREATE TABLE IF NOT EXISTS peer_message (
    id BIGSERIAL PRIMARY KEY, conversation_id TEXT NOT NULL, client_id TEXT NOT NULL,
    body TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`);

  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);

  const server = http.createServer((req, res) => {
    const ok = req.url === '/health';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(ok ? '{"status":"ok"}' : '{}');
  });
  const io = new Server(server, { transports: ['websocket'], adapter: createAdapter(pub, sub) });

  io.on('connection', (socket) => {
    const room = String(socket.handshake.query.room || 'default');
    socket.join(room);
    socket.on('message.send', async (m) => {
      try {
        const { rows } = await pool.query(
          'INSERT INTO peer_message (conversation_id, client_id, body) VALUES ($1, $2, $3) RETURNING id, created_at',
          [m.conversationId, m.clientId, m.body],
        );
        const message = {
          id: String(rows[0].id),
          conversationId: m.conversationId,
          clientId: m.clientId,
          body: m.body,
          createdAt: rows[0].created_at,
        };
        socket.emit('message.ack', { clientId: m.clientId, message });
        socket.to(room).emit('message.new', { message });
      } catch (err) {
        socket.emit('message.error', { code: 'internal', ref: m.clientId });
      }
    });
  });

  server.listen(port, '127.0.0.1');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
