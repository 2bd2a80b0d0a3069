// Starts a real chat node (with a fresh Postgres database) and a real Chromium for the end-to-end
// scenarios, and tears both down afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const widgetDir = resolve(here, '..');
export const repoRoot = resolve(widgetDir, '..');
export const artifacts = resolve(here, 'artifacts');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const adminUrl = process.env.E2E_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database name of its own per run: the node creates it, migrates it and seeds it. */
function databaseUrl() {
  const url = new URL(adminUrl);
  url.pathname = '/widget_e2e_' + Date.now() + '_' + process.pid;
  return url.toString();
}

/** Best effort: a leftover database only costs disk, so a missing psql is not an error. */
function dropDatabase(url) {
  const name = new URL(url).pathname.slice(1);
  spawnSync('psql', [adminUrl, '-q', '-c', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], {
    stdio: 'ignore',
  });
}

async function waitForHealth(origin, node, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.exitCode !== null) throw new Error('the node exited with code ' + node.exitCode);
    try {
      const res = await fetch(origin + '/health');
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the node did not answer /health within ' + timeoutMs + ' ms');
}

/** Starts the node in demo mode and Chromium; returns what the scenarios need. */
export async function start() {
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(resolve(widgetDir, 'dist/chat-widget.umd.js'))) {
    const built = spawnSync('npm', ['run', 'build'], { cwd: widgetDir, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('widget build failed');
  }
  const bin = resolve(widgetDir, process.env.CHAT_NODE_BIN || '../target/debug/servihub-chat');
  if (!existsSync(bin)) throw new Error('node binary not found: ' + bin + ' (set CHAT_NODE_BIN)');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const log = createWriteStream(resolve(artifacts, 'node.log'));
  const dbUrl = databaseUrl();
  const secret = process.env.JWT_SECRET || randomBytes(32).toString('hex');
  const node = spawn(bin, ['serve', '--demo'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl,
      WIDGET_DIR: 'widget',
      JWT_SECRET: secret,
      CORS_ORIGIN: origin,
      RUST_LOG: process.env.RUST_LOG || 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  node.stdout.pipe(log);
  node.stderr.pipe(log);
  try {
    await waitForHealth(origin, node);
  } catch (err) {
    node.kill('SIGKILL');
    dropDatabase(dbUrl);
    throw err;
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  return {
    origin,
    browser,
    dbUrl,
    secret,
    async stop() {
      await browser.close().catch(() => undefined);
      node.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => (node.kill('SIGKILL'), r()), 5000);
        node.once('exit', () => (clearTimeout(t), r()));
      });
      dropDatabase(dbUrl);
    },
  };
}

/** A tab of its own (own cookies, own network switch), optionally without WebSocket. */
export async function openTab(env, path, { noWebSocket = false, context: options = {} } = {}) {
  const context = await env.browser.newContext({
    viewport: { width: 1100, height: 800 },
    ...options,
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', path, err.message));
  await page.addInitScript(() => {
    // Record which transport the widget ends up on (events do not bubble, capture sees them).
    document.addEventListener(
      'servihub:connection',
      (e) => (window.__chatConnection = e.detail),
      true,
    );
  });
  if (noWebSocket) {
    await page.addInitScript(() => {
      delete window.WebSocket;
      window.WebSocket = undefined;
    });
  }
  await page.goto(env.origin + path);
  return { context, page };
}

/** axe-core's WCAG 2.1 A/AA rules and its best practices: every violation, of any impact. */
export async function runAxe(page) {
  const source = readFileSync(resolve(widgetDir, 'node_modules/axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: source });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}

/** A ServiHub token (HS256 with the node's secret) for any user, role and business. */
export function mint(env, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = b64({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims });
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const sig = createHmac('sha256', env.secret)
    .update(head + '.' + body)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

/**
 * The agent console as another staff member of business 1 (`sub`, `name`, `role`): the demo
 * page, with its session answered by a token of our own.
 */
export async function staffTab(env, { sub, name, role = 'AGENT' }, options = {}) {
  const context = await env.browser.newContext({
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  const token = mint(env, { sub: String(sub), name, role, businessId: '1' });
  await context.route('**/demo/session*', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        token,
        userId: String(sub),
        role,
        businessId: '1',
        name,
        apiUrl: env.origin,
      }),
    }),
  );
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('[page error]', name, err.message));
  await page.goto(env.origin + '/demo/agent');
  return { context, page };
}

/** Runs SQL against the run's own database (the scenarios that need history from the past). */
export function sql(env, statement) {
  const res = spawnSync('psql', [env.dbUrl, '-v', 'ON_ERROR_STOP=1', '-qtA', '-c', statement], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error('psql failed: ' + res.stderr);
  return res.stdout.trim();
}
