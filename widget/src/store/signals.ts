import type { RestClient } from '../api/rest';
import { compareIds, type ClientFrame, type ServerEvent } from '../protocol';
import type { Connection } from '../transport/connection';
import { withConversation } from './events';
import { lastStoredId } from './messages';
import type { ChatStore } from './state';

/** The node expires a typing state after 5 s; renewing a little earlier keeps it steady. */
const TYPING_RENEW_MS = 3_000;
const TYPING_EXPIRY_MS = 6_000;

/** Read receipts and typing: sent over the live connection, or REST when it is down. */
export class Signals {
  private typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingSentAt = new Map<string, number>();
  private readSent = new Map<string, string>();

  constructor(
    private readonly store: ChatStore,
    private readonly connection: Connection,
    private readonly rest: RestClient,
    /** Where a typing indicator that was never cleared is cleared. */
    private readonly onEvent: (e: ServerEvent) => void,
  ) {}

  markRead(cid: string): void {
    const thread = this.store.getState().threads[cid];
    const last = thread && lastStoredId(thread.messages);
    if (!last) return;
    const sent = this.readSent.get(cid);
    const conv = this.store.getState().conversations[cid];
    if (sent && compareIds(sent, last) >= 0 && !conv?.unreadCount) return;
    this.readSent.set(cid, last);
    this.store.setState((s) => withConversation(s, cid, { unreadCount: 0 }) ?? {});
    const frame: ClientFrame = { type: 'read', conversationId: cid, messageId: last };
    if (!this.connection.send(frame)) {
      this.rest.read(cid, last).catch(() => this.readSent.delete(cid));
    }
  }

  /** Typing is renewed while the user types and cleared when they stop or send. */
  setTyping(cid: string, isTyping: boolean): void {
    const now = Date.now();
    const last = this.typingSentAt.get(cid) ?? 0;
    if (isTyping && now - last < TYPING_RENEW_MS) return;
    if (!isTyping && last === 0) return;
    this.typingSentAt.set(cid, isTyping ? now : 0);
    const frame: ClientFrame = { type: 'typing', conversationId: cid, isTyping };
    if (!this.connection.send(frame)) this.rest.typing(cid, isTyping).catch(() => undefined);
  }

  /** Someone's typing indicator ends by itself if its clearing event never comes. */
  expireTyping(cid: string, userId: string): void {
    const key = cid + ':' + userId;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      setTimeout(() => {
        this.onEvent({ type: 'typing', conversationId: cid, userId, name: null, isTyping: false });
      }, TYPING_EXPIRY_MS),
    );
  }

  stop(): void {
    for (const t of this.typingTimers.values()) clearTimeout(t);
  }
}
