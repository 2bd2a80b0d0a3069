import { compareIds, type Message, type ServerEvent } from '../protocol';
import { mergeMessage, type ChatMessage } from './messages';
import { emptyThread, type ChatState } from './state';

/**
 * Applies one server event to the state, purely. Unknown events and fields are ignored so a newer
 * node can extend the protocol without breaking deployed widgets.
 */
export function applyEvent(state: ChatState, event: ServerEvent): Partial<ChatState> | null {
  switch (event.type) {
    case 'hello':
      return {
        me: { userId: event.userId, role: event.role, businessId: event.businessId ?? null },
      };
    case 'message.ack':
    case 'message.new':
    case 'message.updated':
    case 'message.deleted':
      return event.message ? withMessage(state, event.message) : null;
    case 'unread':
      return withConversation(state, event.conversationId, { unreadCount: event.count });
    case 'typing': {
      if (event.userId === state.me.userId) return null;
      const others = (state.typing[event.conversationId] ?? []).filter(
        (t) => t.userId !== event.userId,
      );
      if (event.isTyping) others.push({ userId: event.userId, name: event.name });
      return { typing: { ...state.typing, [event.conversationId]: others } };
    }
    case 'read': {
      if (event.userId === state.me.userId) return null;
      const conv = state.reads[event.conversationId] ?? {};
      const prev = conv[event.userId];
      if (prev && compareIds(prev, event.messageId) >= 0) return null;
      return {
        reads: {
          ...state.reads,
          [event.conversationId]: { ...conv, [event.userId]: event.messageId },
        },
      };
    }
    case 'presence':
      return {
        presence: { ...state.presence, [event.userId]: event.status },
        ...(event.lastSeenAt
          ? { lastSeen: { ...state.lastSeen, [event.userId]: event.lastSeenAt } }
          : {}),
      };
    case 'conversation.updated': {
      const { status, snoozedUntil, assigneeId, assigneeName } = event;
      return withConversation(state, event.conversationId, {
        status,
        snoozedUntil,
        assigneeId,
        assigneeName,
      });
    }
    case 'conversation.new': {
      const c = event.conversation;
      if (!c || state.conversations[c.id]) return null;
      return { conversations: { ...state.conversations, [c.id]: c } };
    }
    default:
      return null;
  }
}

/** Merges a message into its thread (when loaded) and its conversation's preview. */
export function withMessage(state: ChatState, message: Message): Partial<ChatState> {
  const cid = message.conversationId;
  const patch: Partial<ChatState> = {};
  const thread = state.threads[cid];
  if (thread) {
    patch.threads = {
      ...state.threads,
      [cid]: { ...thread, messages: mergeMessage(thread.messages, message) },
    };
  }
  const conv = state.conversations[cid];
  if (conv) {
    const last = conv.lastMessage;
    if (!last || compareIds(last.id, message.id) <= 0) {
      patch.conversations = {
        ...state.conversations,
        [cid]: { ...conv, lastMessage: message, updatedAt: message.createdAt },
      };
    }
  }
  // A sender stops typing when its message lands; do not wait for the 5 s expiry.
  const typists = state.typing[cid];
  if (typists?.some((t) => t.userId === message.senderId)) {
    patch.typing = {
      ...state.typing,
      [cid]: typists.filter((t) => t.userId !== message.senderId),
    };
  }
  return patch;
}

export function withConversation(
  state: ChatState,
  id: string,
  fields: Partial<ChatState['conversations'][string]>,
): Partial<ChatState> | null {
  const conv = state.conversations[id];
  if (!conv) return null;
  return { conversations: { ...state.conversations, [id]: { ...conv, ...fields } } };
}

export function withThreadMessages(
  state: ChatState,
  id: string,
  update: (messages: ChatMessage[]) => ChatMessage[],
  fields: Partial<ChatState['threads'][string]> = {},
): Partial<ChatState> {
  const thread = state.threads[id] ?? emptyThread();
  return {
    threads: {
      ...state.threads,
      [id]: { ...thread, ...fields, messages: update(thread.messages) },
    },
  };
}
