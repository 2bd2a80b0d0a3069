import type { ClientFrame, ServerEvent } from '../protocol';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import { SseTransport } from './sse';
import type { Transport, TransportKind } from './types';
import { WsTransport } from './ws';

export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface ConnectionOptions {
  apiUrl: string;
  token: string;
  /** The business a customer's widget is open at: its staff see the customer online at once. */
  businessId?: string;
  onEvent(event: ServerEvent): void;
  onStatus(status: ConnectionStatus, kind: TransportKind | null): void;
  /** Runs on every successful (re)connect: the owner catches up on what it may have missed. */
  onOpen(kind: TransportKind, reconnect: boolean): void;
  /** Consecutive WebSocket attempts that fail before opening, after which SSE is used. */
  wsFailuresBeforeFallback?: number;
  backoff?: BackoffOptions;
  random?: () => number;
  WebSocketImpl?: typeof WebSocket;
  EventSourceImpl?: typeof EventSource;
  target?: Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

/**
 * Keeps one live event stream: WebSocket first, SSE when WebSocket is missing or keeps failing,
 * reconnecting with jittered backoff. It never decides what was missed; `onOpen` lets the store
 * resume from its last seen ids, so the recovery is the same whichever transport is in use.
 */
export class Connection {
  status: ConnectionStatus = 'connecting';
  kind: TransportKind | null = null;
  private transport: Transport | null = null;
  private attempt = 0;
  private wsFailures = 0;
  private everOpened = false;
  private stopped = true;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly onOnline = () => this.reconnectNow();
  private readonly onOffline = () => this.goOffline();

  constructor(private readonly opts: ConnectionOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const target = this.target();
    target?.addEventListener('online', this.onOnline);
    target?.addEventListener('offline', this.onOffline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const target = this.target();
    target?.removeEventListener('online', this.onOnline);
    target?.removeEventListener('offline', this.onOffline);
    const t = this.transport;
    this.transport = null;
    t?.close();
  }

  /** Sends over the socket when one is open; false tells the caller to use REST instead. */
  send(frame: ClientFrame): boolean {
    return this.status === 'online' && !!this.transport?.send(frame);
  }

  /** Which transport the next attempt uses: SSE once WebSocket is absent or has kept failing. */
  nextKind(): TransportKind {
    const Ws =
      this.opts.WebSocketImpl ?? (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (typeof Ws !== 'function') return 'sse';
    return this.wsFailures >= (this.opts.wsFailuresBeforeFallback ?? 2) ? 'sse' : 'ws';
  }

  private target() {
    return this.opts.target ?? (typeof window === 'undefined' ? undefined : window);
  }

  private connect(): void {
    if (this.stopped) return;
    const kind = this.nextKind();
    const base = this.opts.apiUrl.replace(/\/$/, '');
    const token = encodeURIComponent(this.opts.token);
    const handlers = {
      onOpen: () => {
        if (this.transport !== transport) return;
        const reconnect = this.everOpened;
        this.everOpened = true;
        this.attempt = 0;
        this.setStatus('online', kind);
        this.opts.onOpen(kind, reconnect);
      },
      onEvent: (event: ServerEvent) => {
        if (this.transport !== transport) return;
        if (kind === 'ws') this.wsFailures = 0;
        this.opts.onEvent(event);
      },
      onClose: (worked: boolean) => {
        if (this.transport !== transport) return;
        this.transport = null;
        if (kind === 'ws' && !worked) this.wsFailures++;
        this.scheduleReconnect();
      },
    };
    let transport: Transport;
    const at = this.opts.businessId
      ? '&businessId=' + encodeURIComponent(this.opts.businessId)
      : '';
    if (kind === 'ws') {
      const url = base.replace(/^http/, 'ws') + '/ws?access_token=' + token + at;
      transport = new WsTransport(url, handlers, this.opts.WebSocketImpl);
    } else {
      const url = base + '/api/v1/events?access_token=' + token + at;
      transport = new SseTransport(url, handlers, this.opts.EventSourceImpl);
    }
    this.transport = transport;
    this.kind = kind;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.status === 'offline') return;
    this.setStatus(this.everOpened ? 'reconnecting' : 'connecting', this.kind);
    clearTimeout(this.timer);
    const delay = backoffDelay(
      this.attempt++,
      this.opts.backoff ?? DEFAULT_BACKOFF,
      this.opts.random,
    );
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private reconnectNow(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    if (this.status === 'offline') this.setStatus('reconnecting', this.kind);
    if (!this.transport) this.connect();
  }

  /** The browser knows the network is gone: drop the stream now rather than wait for a timeout. */
  private goOffline(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.setStatus('offline', this.kind);
    const t = this.transport;
    this.transport = null;
    t?.close();
  }

  private setStatus(status: ConnectionStatus, kind: TransportKind | null): void {
    this.status = status;
    this.opts.onStatus(status, kind);
  }
}
