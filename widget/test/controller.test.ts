import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatController } from '../src/store/controller';
import { identityFromToken } from '../src/store/helpers';
import { localId } from '../src/store/messages';
import {
  conversation,
  fakeFetch,
  FakeEventSource,
  FakeWebSocket,
  flush,
  message,
  token,
} from './fakes';

const TOKEN = token({ sub: '1001', role: 'CUSTOMER', exp: 9e9 });

function setup(opts: { ws?: boolean; history?: string[] } = {}) {
  const sent: unknown[] = [];
  const api = fakeFetch({
    'POST /api/v1/conversations': () => conversation('10'),
    'GET /api/v1/conversations/10/messages': (url) =>
      url.searchParams.get('after') === '3'
        ? { items: [message('4'), message('5')] }
        : { items: (opts.history ?? ['1', '2', '3']).map((id) => message(id)) },
    'POST /api/v1/conversations/10/messages': (_url, init) => {
      const body = JSON.parse(String(init.body));
      sent.push(body);
      return message('9', { clientId: body.clientId, senderId: '1001', body: body.body });
    },
    'POST /api/v1/conversations/10/read': () => undefined,
    'POST /api/v1/conversations/10/typing': () => undefined,
  });
  const target = new EventTarget();
  const ctl = new ChatController({
    apiUrl: 'http://node.test',
    token: TOKEN,
    mode: 'customer',
    businessId: '1',
    fetch: api.fetch,
    connection: {
      WebSocketImpl: (opts.ws === false ? undefined : FakeWebSocket) as unknown as typeof WebSocket,
      EventSourceImpl: FakeEventSource as unknown as typeof EventSource,
      wsFailuresBeforeFallback: opts.ws === false ? 0 : 2,
      random: () => 0,
      target,
    },
  });
  const ids = () => ctl.store.getState().threads['10']?.messages.map((m) => m.id);
  return { ctl, api, sent, ids, target };
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  FakeEventSource.instances = [];
});
afterEach(() => vi.useRealTimers());

describe('ChatController', () => {
  it('reads its identity from the token', () => {
    expect(identityFromToken(TOKEN)).toEqual({
      userId: '1001',
      role: 'CUSTOMER',
      businessId: null,
    });
    expect(identityFromToken('garbage').userId).toBeNull();
  });

  it('opens the conversation with the business and loads its latest history', async () => {
    const { ctl, api, ids } = setup();
    await ctl.start();
    expect(api.calls[0]).toMatchObject({ method: 'POST', body: { businessId: '1' } });
    expect(ctl.store.getState().activeId).toBe('10');
    expect(ids()).toEqual(['1', '2', '3']);
  });

  it('sends optimistically over WebSocket and settles on the ack', async () => {
    const { ctl, ids } = setup();
    await ctl.start();
    const ws = FakeWebSocket.last();
    ws.open();
    const clientId = ctl.send('10', 'hello');
    expect(ids()).toEqual(['1', '2', '3', localId(clientId)]);
    expect(ctl.store.getState().threads['10'].messages[3].status).toBe('sending');
    expect(ws.frames('message.send')[0]).toMatchObject({
      conversationId: '10',
      clientId,
      body: 'hello',
    });
    ws.push({
      type: 'message.ack',
      clientId,
      message: message('4', { clientId, senderId: '1001' }),
    });
    expect(ids()).toEqual(['1', '2', '3', '4']);
    expect(ctl.store.getState().threads['10'].messages[3].status).toBe('sent');
  });

  it('resumes from the last seen id after a reconnect and resends unacknowledged sends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { ctl, ids } = setup();
    await ctl.start();
    FakeWebSocket.last().open();
    const clientId = ctl.send('10', 'while dropping');
    FakeWebSocket.last().fail();
    vi.advanceTimersByTime(1000);
    const ws = FakeWebSocket.last();
    ws.open();
    // From the newest id, reaching back to its time: another node's message may sit below it.
    expect(ws.frames('resume')).toEqual([
      { type: 'resume', conversationId: '10', afterId: '3', since: '2026-11-25T10:00:03Z' },
    ]);
    expect(ws.frames('message.send')[0]).toMatchObject({ clientId });
    // The replay may repeat what is already shown; nothing is duplicated.
    ws.push({ type: 'message.new', message: message('3') });
    ws.push({ type: 'message.new', message: message('4') });
    ws.push({
      type: 'message.ack',
      clientId,
      message: message('5', { clientId, senderId: '1001' }),
    });
    expect(ids()).toEqual(['1', '2', '3', '4', '5']);
  });

  it('after a resync, resumes from the time it names until every thread has caught up', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { ctl, ids } = setup();
    await ctl.start();
    let ws = FakeWebSocket.last();
    ws.open();
    ws.push({ type: 'resync', since: '2026-11-25T09:59:00Z' });
    ws.fail();
    vi.advanceTimersByTime(1000);
    ws = FakeWebSocket.last();
    ws.open();
    const resume = { type: 'resume', conversationId: '10', afterId: '3' };
    expect(ws.frames('resume')).toEqual([{ ...resume, since: '2026-11-25T09:59:00Z' }]);
    // Dropped before the replay ended: the next resume still reaches back to the resync.
    ws.fail();
    vi.advanceTimersByTime(2000);
    ws = FakeWebSocket.last();
    ws.open();
    expect(ws.frames('resume')).toEqual([{ ...resume, since: '2026-11-25T09:59:00Z' }]);
    ws.push({ type: 'message.new', message: message('2') });
    ws.push({ type: 'resume.done', conversationId: '10', lastId: '3' });
    expect(ids()).toEqual(['1', '2', '3']);
    ws.fail();
    vi.advanceTimersByTime(5000);
    ws = FakeWebSocket.last();
    ws.open();
    expect(ws.frames('resume')).toEqual([{ ...resume, since: '2026-11-25T10:00:03Z' }]);
  });

  it('marks a send failed on an error for its clientId, and retries with the same clientId', async () => {
    const { ctl } = setup();
    await ctl.start();
    const ws = FakeWebSocket.last();
    ws.open();
    const clientId = ctl.send('10', 'too fast');
    ws.push({ type: 'error', code: 'rate_limited', message: 'Slow down', ref: clientId });
    const failed = ctl.store.getState().threads['10'].messages.at(-1)!;
    expect(failed.status).toBe('failed');
    expect(failed.pending?.error).toBe('Slow down');
    ctl.retry('10', clientId);
    expect(ws.frames('message.send').map((f) => f.clientId)).toEqual([clientId, clientId]);
    expect(ctl.store.getState().threads['10'].messages.at(-1)!.status).toBe('sending');
  });

  it('over SSE, sends through REST and catches up with after= on reconnect', async () => {
    const { ctl, api, sent, ids } = setup({ ws: false });
    await ctl.start();
    const es = FakeEventSource.last();
    es.open();
    await flush();
    expect(ids()).toEqual(['1', '2', '3', '4', '5']);
    expect(api.calls.some((c) => c.path.includes('after=3'))).toBe(true);
    expect(api.calls.some((c) => c.path.includes('since=2026-11-25T10%3A00%3A03Z'))).toBe(true);
    const clientId = ctl.send('10', 'via rest');
    await flush();
    await flush();
    expect(sent).toEqual([{ clientId, body: 'via rest' }]);
    expect(ids()).toEqual(['1', '2', '3', '4', '5', '9']);
  });

  it('marks the newest message read once and resets the unread count', async () => {
    const { ctl } = setup();
    await ctl.start();
    const ws = FakeWebSocket.last();
    ws.open();
    ws.push({ type: 'unread', conversationId: '10', count: 2 });
    ctl.markRead('10');
    ctl.markRead('10');
    expect(ws.frames('read')).toEqual([{ type: 'read', conversationId: '10', messageId: '3' }]);
    expect(ctl.store.getState().conversations['10'].unreadCount).toBe(0);
  });

  it('throttles typing renewals', async () => {
    const { ctl } = setup();
    await ctl.start();
    const ws = FakeWebSocket.last();
    ws.open();
    ctl.setTyping('10', true);
    ctl.setTyping('10', true);
    ctl.setTyping('10', false);
    expect(ws.frames('typing').map((f) => f.isTyping)).toEqual([true, false]);
  });
});

describe('history paging', () => {
  it('loads older pages with before= the oldest loaded id, until there are no more', async () => {
    const full = Array.from({ length: 50 }, (_, i) => message(String(100 + i)));
    const older = [message('98'), message('99')];
    const api = fakeFetch({
      'POST /api/v1/conversations': () => conversation('10'),
      'GET /api/v1/conversations/10/messages': (url) =>
        url.searchParams.get('before') === '100' ? { items: older } : { items: full },
    });
    const ctl = new ChatController({
      apiUrl: 'http://node.test',
      token: TOKEN,
      mode: 'customer',
      businessId: '1',
      fetch: api.fetch,
      connection: { WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket },
    });
    await ctl.start();
    expect(ctl.store.getState().threads['10'].hasMore).toBe(true);
    await ctl.loadOlder('10');
    const thread = ctl.store.getState().threads['10'];
    expect(thread.messages.slice(0, 3).map((m) => m.id)).toEqual(['98', '99', '100']);
    expect(thread.messages).toHaveLength(52);
    expect(thread.hasMore).toBe(false);
    await ctl.loadOlder('10');
    expect(api.calls.filter((c) => c.path.includes('before='))).toHaveLength(1);
    ctl.stop();
  });
});

describe('agent inbox', () => {
  it('reloads the inbox when a message arrives for a conversation it does not know', async () => {
    const api = fakeFetch({
      'GET /api/v1/conversations': () => ({ items: [conversation('10')] }),
    });
    const ctl = new ChatController({
      apiUrl: 'http://node.test',
      token: token({ sub: '2001', role: 'AGENT', businessId: '1' }),
      mode: 'agent',
      fetch: api.fetch,
      connection: { WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket },
    });
    await ctl.start();
    FakeWebSocket.last().open();
    FakeWebSocket.last().push({
      type: 'message.new',
      message: message('5', { conversationId: '10' }),
    });
    FakeWebSocket.last().push({
      type: 'message.new',
      message: message('6', { conversationId: '99' }),
    });
    await flush();
    expect(api.calls.filter((c) => c.path === '/api/v1/conversations')).toHaveLength(2);
    ctl.stop();
  });
});

describe('start-up without a network', () => {
  it('retries the first load when the connection comes up', async () => {
    let up = false;
    const api = fakeFetch({
      'POST /api/v1/conversations': () =>
        up
          ? conversation('10')
          : new Response('{"code":"internal","message":"down"}', { status: 503 }),
      'GET /api/v1/conversations/10/messages': () => ({ items: [message('1')] }),
    });
    const ctl = new ChatController({
      apiUrl: 'http://node.test',
      token: TOKEN,
      mode: 'customer',
      businessId: '1',
      fetch: api.fetch,
      connection: { WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket },
    });
    await ctl.start();
    expect(ctl.store.getState().error).toBe('down');
    up = true;
    FakeWebSocket.last().open();
    await flush();
    await flush();
    expect(ctl.store.getState().error).toBeNull();
    expect(ctl.store.getState().threads['10'].messages.map((m) => m.id)).toEqual(['1']);
    ctl.stop();
  });
});

describe('outbox', () => {
  it('survives a reload: an unacknowledged send is shown again and resent with its clientId', async () => {
    const first = setup();
    await first.ctl.start();
    const clientId = first.ctl.send('10', 'typed just before the reload');
    first.ctl.stop();

    const second = setup();
    await second.ctl.start();
    const restored = second.ctl.store.getState().threads['10'].messages.at(-1)!;
    expect(restored).toMatchObject({
      clientId,
      body: 'typed just before the reload',
      status: 'sending',
    });
    FakeWebSocket.last().open();
    expect(FakeWebSocket.last().frames('message.send')).toEqual([
      expect.objectContaining({ clientId, body: 'typed just before the reload' }),
    ]);
    FakeWebSocket.last().push({
      type: 'message.ack',
      clientId,
      message: message('4', { clientId, senderId: '1001', body: 'typed just before the reload' }),
    });
    expect(sessionStorage.length).toBe(0);
    second.ctl.stop();
  });
});

describe('what the live region says', () => {
  const said = (ctl: ChatController) => ctl.store.getState().announcements.map((a) => a.text);

  it('says each new message from others once, in words, and nothing for own or repeated ones', async () => {
    const { ctl } = setup();
    await ctl.start();
    const ws = FakeWebSocket.last();
    ws.open();
    ws.push({ type: 'message.new', message: message('4', { body: 'Your bike is ready' }) });
    // A resume repeats it; own messages from another tab are not news.
    ws.push({ type: 'message.new', message: message('4', { body: 'Your bike is ready' }) });
    ws.push({ type: 'message.new', message: message('5', { senderId: '1001', body: 'Thanks' }) });
    expect(said(ctl)).toEqual(['New message from Northwind Bikes • Alice: Your bike is ready']);
    ctl.setOpen(true);
    ws.push({ type: 'message.new', message: message('6', { body: 'See you' }) });
    expect(said(ctl)[1]).toBe('Northwind Bikes • Alice: See you');
    ctl.stop();
  });

  it('takes its words from the message table', async () => {
    const { api } = setup();
    const ctl = new ChatController({
      apiUrl: 'http://node.test',
      token: TOKEN,
      mode: 'customer',
      businessId: '1',
      fetch: api.fetch,
      messages: { newFrom: 'Nouveau message de {who} : {text}' },
      connection: {
        WebSocketImpl: FakeWebSocket as unknown as typeof WebSocket,
        target: new EventTarget(),
      },
    });
    await ctl.start();
    FakeWebSocket.last().open();
    FakeWebSocket.last().push({ type: 'message.new', message: message('7', { body: 'Bonjour' }) });
    expect(said(ctl)).toEqual(['Nouveau message de Northwind Bikes • Alice : Bonjour']);
    ctl.stop();
  });
});
