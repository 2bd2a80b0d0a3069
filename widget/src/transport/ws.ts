import type { ClientFrame } from '../protocol';
import { parseEvent, type Transport, type TransportHandlers } from './types';

export const WS_SUBPROTOCOL = 'servihub.v1.json';
const DEFAULT_HEARTBEAT_MS = 25_000;

/** WebSocket transport: one socket carries every event the user may see and all client frames. */
export class WsTransport implements Transport {
  readonly kind = 'ws' as const;
  private socket: WebSocket;
  /**
   * Set by the first frame, not by the socket's open event: a proxy that accepts the upgrade but
   * passes nothing is as broken as one that refuses it, and counts towards the SSE fallback.
   */
  private working = false;
  private closed = false;
  private heartbeat?: ReturnType<typeof setInterval>;
  private lastFrameAt = Date.now();

  constructor(
    url: string,
    private readonly handlers: TransportHandlers,
    Impl: typeof WebSocket = WebSocket,
  ) {
    this.socket = new Impl(url, WS_SUBPROTOCOL);
    this.socket.onopen = () => {
      this.lastFrameAt = Date.now();
      this.startHeartbeat(DEFAULT_HEARTBEAT_MS);
      handlers.onOpen();
    };
    this.socket.onmessage = (msg: MessageEvent) => {
      this.lastFrameAt = Date.now();
      this.working = true;
      if (typeof msg.data !== 'string') return;
      const event = parseEvent(msg.data);
      if (!event) return;
      if (event.type === 'hello' && event.heartbeatMs > 0) this.startHeartbeat(event.heartbeatMs);
      handlers.onEvent(event);
    };
    this.socket.onclose = () => this.finish();
    this.socket.onerror = () => this.finish();
  }

  send(frame: ClientFrame): boolean {
    if (this.closed || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.finish();
  }

  /**
   * A socket can stay "open" through a dead network for minutes; pinging and expecting some frame
   * within two intervals detects that, so the client reconnects and resumes instead of waiting.
   */
  private startHeartbeat(intervalMs: number): void {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastFrameAt > intervalMs * 2) this.finish();
      else this.send({ type: 'ping' });
    }, intervalMs);
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.socket.onopen = this.socket.onmessage = this.socket.onclose = this.socket.onerror = null;
    try {
      this.socket.close();
    } catch {
      // Closing a socket that never connected can throw in some browsers; it is gone either way.
    }
    this.handlers.onClose(this.working);
  }
}
