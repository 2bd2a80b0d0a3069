import { createStore } from 'zustand/vanilla';
import type { Conversation, Role } from '../protocol';
import type { ConnectionStatus } from '../transport/connection';
import type { TransportKind } from '../transport/types';
import type { ChatMessage } from './messages';

export type Mode = 'customer' | 'agent';

export interface ThreadState {
  messages: ChatMessage[];
  /** Whether older history exists above the first loaded message. */
  hasMore: boolean;
  loading: boolean;
  loaded: boolean;
}

export interface Typist {
  userId: string;
  name: string | null;
}

export interface ChatState {
  mode: Mode;
  me: { userId: string | null; role: Role | null; businessId: string | null };
  connection: { status: ConnectionStatus; kind: TransportKind | null };
  conversations: Record<string, Conversation>;
  threads: Record<string, ThreadState>;
  /** conversationId -> the other users typing there now. */
  typing: Record<string, Typist[]>;
  presence: Record<string, 'online' | 'offline'>;
  /** userId -> when that user was last seen online (from presence events). */
  lastSeen: Record<string, string>;
  /**
   * What the screen-reader live region says, newest last: one line per incoming message or
   * failure, written as words (never the menus, chips and buttons around a message).
   */
  announcements: { id: number; text: string }[];
  /** Whether the panel's styles are in (the customer bundle loads them on first open). */
  styled: boolean;
  /** Opt-in sound and tab-title alert for messages that arrive while the page is hidden. */
  alerts: boolean;
  /** conversationId -> userId -> the last message id that user has read (other users only). */
  reads: Record<string, Record<string, string>>;
  activeId: string | null;
  /** Customer mode: whether the chat panel is open. */
  open: boolean;
  error: string | null;
}

export const emptyThread = (): ThreadState => ({
  messages: [],
  hasMore: true,
  loading: false,
  loaded: false,
});

export function createChatStore(mode: Mode) {
  return createStore<ChatState>()(() => ({
    mode,
    me: { userId: null, role: null, businessId: null },
    connection: { status: 'connecting', kind: null },
    conversations: {},
    threads: {},
    typing: {},
    presence: {},
    lastSeen: {},
    announcements: [],
    alerts: false,
    styled: true,
    reads: {},
    activeId: null,
    open: false,
    error: null,
  }));
}

export type ChatStore = ReturnType<typeof createChatStore>;

/** Inbox order: newest activity first. */
export function sortedConversations(conversations: Record<string, Conversation>): Conversation[] {
  const at = (c: Conversation) => c.lastMessage?.createdAt ?? c.updatedAt ?? c.createdAt;
  return Object.values(conversations).sort((a, b) => (at(a) < at(b) ? 1 : -1));
}

export function totalUnread(state: ChatState): number {
  return Object.values(state.conversations).reduce((n, c) => n + (c.unreadCount || 0), 0);
}
