import { SERVER_EVENT_TYPES } from '../protocol';
import { parseEvent, type Transport, type TransportHandlers } from './types';

/**
 * Server-Sent Events transport: receive-only, so every client action goes through REST.
 * The browser's own silent retry is not used: any error ends this transport and the connection
 * reconnects with backoff and catches up through REST, one recovery path for both transports.
 */
export class SseTransport implements Transport {
  readonly kind = 'sse' as const;
  private source: EventSource;
  private opened = false;
  private closed = false;

  constructor(
    url: string,
    private readonly handlers: TransportHandlers,
    Impl: typeof EventSource = EventSource,
  ) {
    this.source = new Impl(url);
    this.source.onopen = () => {
      this.opened = true;
      handlers.onOpen();
    };
    this.source.onerror = () => this.close();
    for (const type of SERVER_EVENT_TYPES) {
      this.source.addEventListener(type, (msg) => {
        const event = parseEvent((msg as MessageEvent).data, type);
        if (event && !this.closed) handlers.onEvent(event);
      });
    }
  }

  send(): boolean {
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
    this.handlers.onClose(this.opened);
  }
}
