import { compareIds, type ContentType, type Message } from '../protocol';

export type SendStatus = 'sending' | 'sent' | 'failed';

/** A message as the widget shows it: a stored one, or an optimistic one awaiting its ack. */
export interface ChatMessage extends Message {
  status: SendStatus;
  /** Present on optimistic messages: the send to repeat, with the same clientId, on retry. */
  pending?: {
    body: string;
    contentType?: ContentType;
    attachmentIds?: string[];
    note?: boolean;
    error?: string;
  };
}

/** Key of an optimistic message that has no server id yet. */
export const localId = (clientId: string) => 'local:' + clientId;
export const isLocal = (m: Pick<Message, 'id'>) => m.id.startsWith('local:');

/**
 * Inserts or replaces a stored message, keeping id order and never duplicating: the same message
 * can arrive as an ack, a `message.new` to another session, a resume replay and a REST page.
 * An optimistic copy with the same clientId is replaced by the stored one.
 */
export function mergeMessage(list: ChatMessage[], incoming: Message): ChatMessage[] {
  const stored: ChatMessage = { ...incoming, status: 'sent', pending: undefined };
  const out = list.filter(
    (m) =>
      m.id !== incoming.id &&
      !(isLocal(m) && incoming.clientId && m.clientId === incoming.clientId),
  );
  const existing = list.find((m) => m.id === incoming.id);
  if (existing && existing.reactions && !incoming.reactions) stored.reactions = existing.reactions;
  let i = out.length;
  // Optimistic messages stay at the end; stored ones are placed by id.
  while (i > 0 && (isLocal(out[i - 1]) || compareIds(out[i - 1].id, incoming.id) > 0)) i--;
  out.splice(i, 0, stored);
  return out;
}

export function mergeMessages(list: ChatMessage[], incoming: Message[]): ChatMessage[] {
  return incoming.reduce(mergeMessage, list);
}

export function lastStoredId(list: ChatMessage[]): string | null {
  for (let i = list.length - 1; i >= 0; i--) if (!isLocal(list[i])) return list[i].id;
  return null;
}

/**
 * Where a resume reaches back to (`since`): the time a `resync` named, or else the `createdAt` of
 * the newest stored message, whichever is earlier. Ids grow within a conversation in commit
 * order, so a message another node committed just before the newest one shown, and not yet
 * delivered, sits below it: `afterId` alone would skip it.
 */
export function resumeSince(list: ChatMessage[], resync: string | null): string | undefined {
  let newest: string | undefined;
  for (let i = list.length - 1; i >= 0 && !newest; i--) {
    if (!isLocal(list[i])) newest = list[i].createdAt;
  }
  if (!resync || !newest) return resync ?? newest;
  return Date.parse(resync) < Date.parse(newest) ? resync : newest;
}

export function firstStoredId(list: ChatMessage[]): string | null {
  const m = list.find((x) => !isLocal(x));
  return m ? m.id : null;
}
