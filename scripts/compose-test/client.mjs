// The client side of scripts/compose-test.sh: talks to the cluster only through the load
// balancer (BASE, e.g. http://127.0.0.1:3000). Node 20 with --experimental-websocket, no packages.
//
//   node client.mjs smoke STATE_FILE            health, ready, provisioning, REST, SSE, WebSocket
//   node client.mjs load STOP_FILE OUT_FILE     steady request stream until STOP_FILE exists
//   node client.mjs hold-sockets N OUT_FILE     N sockets; records how each one closes
//   node client.mjs check-kept STATE_FILE       the messages sent before a restart are still there
//   node client.mjs summary OUT_FILE NAME       prints a load run's result, fails on any failure
//
// Environment: BASE, JWT_SECRET, and for `smoke` SESSIONS_CMD (prints each replica's
// chat_hub_sessions gauge, one number a line) to tell which replica took a socket.

import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { execSync } from "node:child_process";

const BASE = process.env.BASE ?? "http://127.0.0.1:3000";
const WS_BASE = BASE.replace(/^http/, "ws");
const SECRET = process.env.JWT_SECRET ?? "";
const BUSINESS = "1";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fail(msg) {
  console.error(`FAIL: ${msg}`);
  process.exit(1);
}

function check(cond, msg) {
  if (!cond) fail(msg);
  console.log(`ok   ${msg}`);
}

function b64url(v) {
  return Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
}

function token(claims) {
  const body = { exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  const unsigned = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(body)}`;
  return `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
}

const platform = () => token({ sub: "platform", role: "PLATFORM" });
const customer = (id) => token({ sub: String(id), role: "CUSTOMER", name: `Customer ${id}` });
const agent = (id) =>
  token({ sub: String(id), role: "AGENT", businessId: BUSINESS, name: "Alice" });

async function call(method, path, tok, body, timeoutMs = 10000) {
  const headers = {};
  if (tok) headers.authorization = `Bearer ${tok}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: r.status, json };
}

/// A WebSocket that queues events, so a test can wait for the next one of a type.
function socket(tok) {
  const ws = new WebSocket(`${WS_BASE}/ws?access_token=${tok}`, "servihub.v1.json");
  const events = [];
  const waiters = [];
  let closed = null;
  ws.addEventListener("message", (e) => {
    const ev = JSON.parse(e.data);
    events.push(ev);
    for (const w of waiters.splice(0)) w();
  });
  ws.addEventListener("close", (e) => {
    closed = { code: e.code, at: Date.now() };
    for (const w of waiters.splice(0)) w();
  });
  const next = async (type, timeoutMs = 10000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = events.findIndex((e) => e.type === type);
      if (i >= 0) return events.splice(i, 1)[0];
      if (closed) throw new Error(`socket closed (${closed.code}) waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, left);
      });
    }
  };
  const closedInfo = () => closed;
  return { ws, next, closedInfo };
}

function sessionsPerReplica() {
  return execSync(process.env.SESSIONS_CMD, { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => Number(l.trim() || 0));
}

/// Opens a socket and says which replica (by index in SESSIONS_CMD's output) took it.
async function socketOnReplica(tok) {
  const before = sessionsPerReplica();
  const s = socket(tok);
  await s.next("hello");
  for (let i = 0; i < 20; i++) {
    const after = sessionsPerReplica();
    const grew = after.findIndex((n, k) => n > (before[k] ?? 0));
    if (grew >= 0) return { s, replica: grew };
    await sleep(100);
  }
  throw new Error("no replica counted the new socket");
}

async function smoke(stateFile) {
  let r = await call("GET", "/health");
  check(r.status === 200 && r.json.status === "ok", "GET /health through the balancer is 200 ok");
  r = await call("GET", "/ready");
  check(
    r.status === 200 && r.json.postgres === true && r.json.redis === true,
    `GET /ready is 200 with Postgres and Redis up (${JSON.stringify(r.json)})`,
  );

  // A fresh deployment has no businesses: staff are told how to provision theirs.
  r = await call("GET", "/api/v1/conversations", agent(2001));
  check(
    r.status === 404 && /PUT \/api\/v1\/businesses\/1/.test(r.json.message),
    `staff of a business not provisioned yet get 404 naming the fix (${r.json.message})`,
  );
  r = await call("PUT", `/api/v1/businesses/${BUSINESS}`, platform(), { name: "Northwind Bikes" });
  check(r.status === 201 || r.status === 200, `PUT /api/v1/businesses/1 provisions it (${r.status})`);
  r = await call("PUT", `/api/v1/businesses/${BUSINESS}`, platform(), { name: "Northwind Bikes" });
  check(r.status === 200, "repeating the PUT is idempotent (200)");
  r = await call("GET", "/api/v1/businesses", platform());
  check(r.status === 200 && r.json.items.some((b) => b.id === BUSINESS), "GET /api/v1/businesses lists it");

  const cust = customer(1001);
  r = await call("POST", "/api/v1/conversations", cust, { businessId: BUSINESS });
  check(r.status === 201 || r.status === 200, `customer opens a conversation (${r.status})`);
  const conv = r.json.id;
  r = await call("POST", `/api/v1/conversations/${conv}/messages`, cust, {
    clientId: randomUUID(),
    body: "hello over REST",
  });
  check(r.status === 201 && r.json.body === "hello over REST", "REST send is 201 with the message");
  const kept = [r.json.id];

  // WebSocket: the customer and the agent on two different replicas.
  const c = await socketOnReplica(cust);
  let a = null;
  for (let i = 0; i < 10 && !a; i++) {
    const t = await socketOnReplica(agent(2001));
    if (t.replica !== c.replica) a = t;
    else t.s.ws.close(1000);
  }
  check(a !== null, `WebSocket sessions on two replicas (#${c.replica} and #${a?.replica})`);
  const clientId = randomUUID();
  const sentAt = performance.now();
  c.s.ws.send(JSON.stringify({ type: "message.send", conversationId: conv, clientId, body: "across nodes" }));
  const ack = await c.s.next("message.ack");
  const got = await a.s.next("message.new");
  const ms = performance.now() - sentAt;
  check(
    ack.clientId === clientId && got.message.id === ack.message.id,
    `cross-node delivery: the agent's replica received the customer's message (${ms.toFixed(1)} ms send to delivery)`,
  );
  kept.push(ack.message.id);
  a.s.ws.send(JSON.stringify({ type: "message.send", conversationId: conv, clientId: randomUUID(), body: "reply" }));
  const back = await c.s.next("message.new");
  check(back.message.body === "reply", "and back: the customer's replica received the agent's reply");

  // SSE through the balancer: unbuffered, the event arrives while the stream stays open.
  const ctl = new AbortController();
  const sse = await fetch(`${BASE}/api/v1/events?access_token=${agent(2002)}`, { signal: ctl.signal });
  check(sse.status === 200 && /text\/event-stream/.test(sse.headers.get("content-type")), "SSE stream opens (200 text/event-stream)");
  const reader = sse.body.getReader();
  const marker = `sse-${randomUUID()}`;
  await sleep(300);
  r = await call("POST", `/api/v1/conversations/${conv}/messages`, cust, { clientId: randomUUID(), body: marker });
  kept.push(r.json.id);
  let buf = "";
  const deadline = Date.now() + 10000;
  while (!buf.includes(marker) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), sleep(deadline - Date.now()).then(() => ({ done: true }))]);
    if (chunk.done) break;
    buf += Buffer.from(chunk.value).toString();
  }
  check(buf.includes("event: message.new") && buf.includes(marker), "SSE delivers message.new through nginx");
  ctl.abort();
  c.s.ws.close(1000);
  a.s.ws.close(1000);
  writeFileSync(stateFile, JSON.stringify({ conv, kept }));
}

/// A steady stream of reads and sends, ~20 requests a second, until STOP_FILE exists. Every
/// answer that is not 2xx, and every request with no answer in 10 s, is a failure.
async function load(stopFile, outFile) {
  const users = Array.from({ length: 8 }, (_, i) => 5000 + i);
  const convs = [];
  for (const u of users) {
    const r = await call("POST", "/api/v1/conversations", customer(u), { businessId: BUSINESS });
    if (r.status !== 200 && r.status !== 201) fail(`load: open conversation ${r.status}`);
    convs.push({ tok: customer(u), id: r.json.id });
  }
  const stats = { total: 0, failed: 0, reads: 0, sends: 0, errors: {}, maxMs: 0, startedAt: Date.now() };
  const inflight = new Set();
  let i = 0;
  while (!existsSync(stopFile)) {
    const c = convs[i % convs.length];
    const send = i % 4 === 0;
    i++;
    const t0 = performance.now();
    const p = (send
      ? call("POST", `/api/v1/conversations/${c.id}/messages`, c.tok, { clientId: randomUUID(), body: `load ${i}` })
      : call("GET", `/api/v1/conversations/${c.id}/messages?limit=5`, c.tok)
    )
      .then((r) => {
        if (r.status < 200 || r.status > 299) throw new Error(`HTTP ${r.status}`);
      })
      .catch((e) => {
        stats.failed++;
        const k = `${send ? "send" : "read"} ${e.name === "TimeoutError" ? "timeout" : e.message}`;
        stats.errors[k] = (stats.errors[k] ?? 0) + 1;
      })
      .finally(() => {
        stats.total++;
        stats.maxMs = Math.max(stats.maxMs, performance.now() - t0);
        if (send) stats.sends++;
        else stats.reads++;
        inflight.delete(p);
      });
    inflight.add(p);
    await sleep(50);
  }
  await Promise.all(inflight);
  stats.seconds = (Date.now() - stats.startedAt) / 1000;
  stats.maxMs = Math.round(stats.maxMs);
  writeFileSync(outFile, JSON.stringify(stats));
}

/// N sockets through the balancer; when all have closed (or after 120 s), writes their close codes.
async function holdSockets(n, outFile) {
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = socket(customer(7000 + i));
    await s.next("hello");
    socks.push(s);
  }
  writeFileSync(`${outFile}.ready`, "");
  const deadline = Date.now() + 120000;
  while (socks.some((s) => !s.closedInfo()) && Date.now() < deadline) await sleep(100);
  writeFileSync(outFile, JSON.stringify(socks.map((s) => s.closedInfo()?.code ?? null)));
}

async function checkKept(stateFile) {
  const { conv, kept } = JSON.parse(readFileSync(stateFile, "utf8"));
  const r = await call("GET", `/api/v1/conversations/${conv}/messages?limit=200`, customer(1001));
  const ids = new Set((r.json.items ?? []).map((m) => m.id));
  check(r.status === 200 && kept.every((id) => ids.has(id)), `after the restart all ${kept.length} messages are still there`);
}

/// Prints a load run's result; fails when any request failed.
async function summary(file, name) {
  const s = JSON.parse(readFileSync(file, "utf8"));
  const errors = s.failed ? ` ${JSON.stringify(s.errors)}` : "";
  console.log(
    `${name}: ${s.failed} of ${s.total} requests failed in ${s.seconds.toFixed(0)} s ` +
      `(${s.sends} sends, ${s.reads} reads, slowest ${s.maxMs} ms)${errors}`,
  );
  if (s.failed) fail(`${name}: ${s.failed} failed requests`);
}

const [cmd, ...args] = process.argv.slice(2);
const run = { smoke, load, summary, "hold-sockets": (n, out) => holdSockets(Number(n), out), "check-kept": checkKept }[cmd];
if (!run) fail(`unknown command ${cmd}`);
run(...args).then(
  () => process.exit(0),
  (e) => fail(e.stack ?? String(e)),
);
