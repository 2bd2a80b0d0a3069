import { withThreadMessages } from './events';
import type { ChatMessage } from './messages';
import type { ChatStore } from './state';

/**
 * Unacknowledged sends survive a page reload in sessionStorage (per tab, per user): they are
 * shown again and resent with their original clientId, which the node deduplicates.
 */
const key = (userId: string) => 'servihub-chat:outbox:' + userId;

export function saveOutbox(userId: string | null, messages: ChatMessage[]): void {
  if (!userId) return;
  try {
    if (messages.length) sessionStorage.setItem(key(userId), JSON.stringify(messages));
    else sessionStorage.removeItem(key(userId));
  } catch {
    // Storage may be disabled or full; the send still proceeds, only reload-survival is lost.
  }
}

export function loadOutbox(userId: string | null): ChatMessage[] {
  if (!userId) return [];
  try {
    const parsed = JSON.parse(sessionStorage.getItem(key(userId)) ?? '[]') as ChatMessage[];
    return Array.isArray(parsed) ? parsed.filter((m) => m.pending && m.clientId) : [];
  } catch {
    return [];
  }
}

/**
 * Puts the unacknowledged sends saved before a reload back into their threads (the controller
 * resends them on connect), then keeps the saved copy current. Returns the unsubscribe.
 */
export function keepOutbox(store: ChatStore): () => void {
  const me = store.getState().me.userId;
  for (const m of loadOutbox(me)) {
    const restored: ChatMessage = { ...m, status: 'sending' };
    store.setState((s) =>
      withThreadMessages(s, m.conversationId, (list) =>
        list.some((x) => x.clientId === m.clientId) ? list : [...list, restored],
      ),
    );
  }
  let saved: ChatMessage[] = [];
  return store.subscribe((s) => {
    const pending = Object.values(s.threads).flatMap((t) => t.messages.filter((m) => m.pending));
    if (pending.length !== saved.length || pending.some((m, i) => m !== saved[i])) {
      saved = pending;
      saveOutbox(me, pending);
    }
  });
}
