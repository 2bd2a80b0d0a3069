import type { Conversation, Message, ServerEvent } from '../src/protocol';

/** A WebSocket double the tests drive by hand: open it, push frames, close it. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocol?: string,
  ) {
    FakeWebSocket.instances.push(this);
  }
  static last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  push(event: ServerEvent | Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }
  fail() {
    this.readyState = 3;
    this.onclose?.();
  }
  frames(type: string) {
    return this.sent.filter((f) => f.type === type);
  }
}

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  listeners = new Map<string, ((e: { data: string }) => void)[]>();
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  static last(): FakeEventSource {
    return FakeEventSource.instances[FakeEventSource.instances.length - 1];
  }
  addEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.();
  }
  emit(type: string, data: unknown) {
    this.listeners.get(type)?.forEach((fn) => fn({ data: JSON.stringify(data) }));
  }
}

export function message(id: string, fields: Partial<Message> = {}): Message {
  return {
    id,
    conversationId: '10',
    senderId: '2001',
    sender: { id: '2001', name: 'Alice', role: 'AGENT' },
    contentType: 'TEXT',
    body: 'message ' + id,
    fileUrl: null,
    mimeType: null,
    attachments: [],
    reactions: [],
    clientId: null,
    createdAt: '2026-11-25T10:00:' + id.padStart(2, '0').slice(-2) + 'Z',
    editedAt: null,
    deletedAt: null,
    private: false,
    ...fields,
  };
}

export function conversation(id: string, fields: Partial<Conversation> = {}): Conversation {
  return {
    id,
    businessId: '1',
    businessName: 'Northwind Bikes',
    type: 'DIRECT',
    participants: [
      { userId: '1001', name: 'Casey', role: 'CUSTOMER' },
      { userId: '2001', name: 'Alice', role: 'AGENT' },
    ],
    unreadCount: 0,
    lastMessage: null,
    createdAt: '2026-11-25T09:00:00Z',
    updatedAt: '2026-11-25T09:00:00Z',
    status: 'open',
    snoozedUntil: null,
    assigneeId: null,
    assigneeName: null,
    ...fields,
  };
}

type Route = (url: URL, init: RequestInit) => unknown;

/** A fetch double: routes by "METHOD /path", records every call. */
export function fakeFetch(routes: Record<string, Route>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, path: url.pathname + url.search, body });
    const route = routes[method + ' ' + url.pathname];
    if (!route) return new Response(JSON.stringify({ code: 'not_found' }), { status: 404 });
    const result = route(url, init);
    if (result instanceof Response) return result;
    if (result === undefined) return new Response(null, { status: 204 });
    return new Response(JSON.stringify(result), { status: 200 });
  };
  return { fetch: impl as typeof fetch, calls };
}

/** An unsigned JWT: the widget only reads claims, the node verifies. */
export function token(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return enc({ alg: 'HS256', typ: 'JWT' }) + '.' + enc(claims) + '.sig';
}

export const flush = () => new Promise((r) => setTimeout(r, 0));
