import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay } from '../src/transport/backoff';
import { Connection, type ConnectionOptions } from '../src/transport/connection';
import { FakeEventSource, FakeWebSocket } from './fakes';

function setup(overrides: Partial<ConnectionOptions> = {}) {
  const target = new EventTarget();
  const opens: [string, boolean][] = [];
  const statuses: string[] = [];
  const events: unknown[] = [];
  const conn = new Connection({
    apiUrl: 'http://node.test',
    token: 't0k',
    onEvent: (e) => events.push(e),
    onStatus: (s, k) => statuses.push(s + ':' + k),
    onOpen: (kind, reconnect) => opens.push([kind, reconnect]),
    random: () => 0.5,
    WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket,
    EventSourceImpl: FakeEventSource as unknown as typeof EventSource,
    target,
    ...overrides,
  });
  return { conn, target, opens, statuses, events };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.instances = [];
  FakeEventSource.instances = [];
});
afterEach(() => vi.useRealTimers());

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter within the upper half', () => {
    expect(backoffDelay(0, { baseMs: 500, maxMs: 30_000 }, () => 0)).toBe(250);
    expect(backoffDelay(0, { baseMs: 500, maxMs: 30_000 }, () => 1)).toBe(500);
    expect(backoffDelay(3, { baseMs: 500, maxMs: 30_000 }, () => 0.5)).toBe(3000);
    expect(backoffDelay(50, { baseMs: 500, maxMs: 30_000 }, () => 1)).toBe(30_000);
  });
});

describe('Connection', () => {
  it('connects over WebSocket first with the token and subprotocol', () => {
    const { conn, opens } = setup();
    conn.start();
    const ws = FakeWebSocket.last();
    expect(ws.url).toBe('ws://node.test/ws?access_token=t0k');
    expect(ws.protocol).toBe('servihub.v1.json');
    ws.open();
    expect(opens).toEqual([['ws', false]]);
    expect(conn.send({ type: 'ping' })).toBe(true);
    expect(ws.sent).toEqual([{ type: 'ping' }]);
  });

  it('uses SSE when WebSocket does not exist', () => {
    const { conn, opens } = setup({ WebSocketImpl: undefined });
    const saved = globalThis.WebSocket;
    // @ts-expect-error simulating a browser without WebSocket
    delete globalThis.WebSocket;
    try {
      conn.start();
    } finally {
      globalThis.WebSocket = saved;
    }
    expect(FakeWebSocket.instances).toHaveLength(0);
    const es = FakeEventSource.last();
    expect(es.url).toBe('http://node.test/api/v1/events?access_token=t0k');
    es.open();
    expect(opens).toEqual([['sse', false]]);
    expect(conn.send({ type: 'ping' })).toBe(false);
  });

  it('falls back to SSE after WebSocket keeps failing before it opens', () => {
    const { conn, opens } = setup();
    conn.start();
    FakeWebSocket.last().fail();
    vi.advanceTimersByTime(10_000);
    FakeWebSocket.last().fail();
    vi.advanceTimersByTime(10_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeEventSource.last().open();
    expect(opens).toEqual([['sse', false]]);
  });

  it('reconnects with growing backoff and reports a reconnect', () => {
    const { conn, opens, statuses } = setup();
    conn.start();
    FakeWebSocket.last().open();
    FakeWebSocket.last().fail();
    expect(statuses.at(-1)).toBe('reconnecting:ws');
    vi.advanceTimersByTime(374); // first delay: 250..500 ms, 375 with random 0.5
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last().open();
    expect(opens).toEqual([
      ['ws', false],
      ['ws', true],
    ]);
    expect(statuses.at(-1)).toBe('online:ws');
  });

  it('drops the stream when the browser goes offline and reconnects at once when back', () => {
    const { conn, target, statuses, opens } = setup();
    conn.start();
    FakeWebSocket.last().open();
    target.dispatchEvent(new Event('offline'));
    expect(statuses.at(-1)).toBe('offline:ws');
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    target.dispatchEvent(new Event('online'));
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last().open();
    expect(opens.at(-1)).toEqual(['ws', true]);
  });

  it('closes a socket that stays silent past two heartbeats', () => {
    const { conn, statuses } = setup();
    conn.start();
    const ws = FakeWebSocket.last();
    ws.open();
    ws.push({
      type: 'hello',
      userId: '1',
      role: 'CUSTOMER',
      businessId: null,
      sessionId: 's',
      heartbeatMs: 1000,
    });
    vi.advanceTimersByTime(1000);
    expect(ws.frames('ping')).toHaveLength(1);
    vi.advanceTimersByTime(2000);
    expect(statuses.at(-1)).toBe('reconnecting:ws');
  });

  it('passes SSE events through with their type', () => {
    const { conn, events } = setup({ WebSocketImpl: undefined, wsFailuresBeforeFallback: 0 });
    conn.start();
    const es = FakeEventSource.last();
    es.open();
    es.emit('unread', { conversationId: '10', count: 3 });
    expect(events).toEqual([{ type: 'unread', conversationId: '10', count: 3 }]);
    conn.stop();
    expect(es.closed).toBe(true);
  });
});

describe('Connection fallback on silent sockets', () => {
  it('counts a WebSocket that opens but never delivers a frame as failing', () => {
    const { conn, opens } = setup();
    conn.start();
    for (let i = 0; i < 2; i++) {
      FakeWebSocket.last().open();
      FakeWebSocket.last().fail();
      vi.advanceTimersByTime(10_000);
    }
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeEventSource.last().open();
    expect(opens.at(-1)).toEqual(['sse', true]);
  });

  it('keeps WebSocket after a working socket drops', () => {
    const { conn } = setup();
    conn.start();
    for (let i = 0; i < 3; i++) {
      FakeWebSocket.last().open();
      FakeWebSocket.last().push({ type: 'pong' });
      FakeWebSocket.last().fail();
      vi.advanceTimersByTime(10_000);
    }
    expect(FakeWebSocket.instances).toHaveLength(4);
    expect(FakeEventSource.instances).toHaveLength(0);
  });
});
