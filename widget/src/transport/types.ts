import type { ClientFrame, ServerEvent } from '../protocol';

export type TransportKind = 'ws' | 'sse';

export interface TransportHandlers {
  onOpen(): void;
  onEvent(event: ServerEvent): void;
  /** Called once per transport; `worked` tells a failed attempt from a dropped connection. */
  onClose(worked: boolean): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Returns false when the frame cannot go over this transport (the caller uses REST). */
  send(frame: ClientFrame): boolean;
  close(): void;
}

export function parseEvent(data: string, fallbackType?: string): ServerEvent | null {
  try {
    const parsed = JSON.parse(data) as Record<string, unknown>;
    if (!parsed || typeof parsed !== 'object') return null;
    if (typeof parsed.type !== 'string' && fallbackType) parsed.type = fallbackType;
    return typeof parsed.type === 'string' ? (parsed as unknown as ServerEvent) : null;
  } catch {
    return null;
  }
}
