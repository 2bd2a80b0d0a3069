/**
 * Wire types of the ServiHub Chat protocol (see the project's protocol document).
 * Ids are decimal strings because BIGINT does not fit a JS number; times are RFC 3339 UTC.
 * These mirror the node's Rust definitions until the generated bindings replace them.
 */

export type Role = 'CUSTOMER' | 'AGENT' | 'OWNER';
export type ContentType = 'TEXT' | 'FILE' | 'IMAGE' | 'VIDEO' | 'OTHER';

export interface Attachment {
  id: string;
  url: string;
  mimeType: string;
  sizeBytes: number;
  width: number | null;
  height: number | null;
}

export interface Sender {
  id: string;
  name: string | null;
  role: Role;
}

/** One emoji on a message with the users who put it there. */
export interface ReactionSummary {
  emoji: string;
  userIds: string[];
}

export interface Message {
  id: string;
  conversationId: string;
  senderId: string;
  sender: Sender;
  contentType: ContentType;
  body: string;
  fileUrl: string | null;
  mimeType: string | null;
  attachments: Attachment[];
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: ReactionSummary[];
}

export interface Participant {
  userId: string;
  name: string | null;
  role: Role;
}

export interface Conversation {
  id: string;
  businessId: string;
  businessName: string;
  type: 'DIRECT' | 'SUPPORT_ROOM' | 'COMMUNITY';
  participants: Participant[];
  unreadCount: number;
  lastMessage: Message | null;
  createdAt: string;
  updatedAt: string;
}

export type ErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'bad_request'
  | 'payload_too_large'
  | 'rate_limited'
  | 'overloaded'
  | 'internal';

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  ref: string | null;
  retryAfterMs?: number;
}

export type ServerEvent =
  | {
      type: 'hello';
      userId: string;
      role: Role;
      businessId: string | null;
      sessionId: string;
      heartbeatMs: number;
    }
  | { type: 'message.ack'; clientId: string; message: Message }
  | { type: 'message.new'; message: Message }
  | { type: 'message.updated'; message: Message }
  | { type: 'message.deleted'; message: Message }
  | {
      type: 'typing';
      conversationId: string;
      userId: string;
      name: string | null;
      isTyping: boolean;
    }
  | { type: 'read'; conversationId: string; userId: string; messageId: string }
  | { type: 'unread'; conversationId: string; count: number }
  | { type: 'resume.done'; conversationId: string; lastId: string }
  | { type: 'presence'; userId: string; status: 'online' | 'offline'; lastSeenAt: string | null }
  | { type: 'conversation.new'; conversation: Conversation }
  | { type: 'pong' }
  | ({ type: 'error' } & ErrorBody);

export type ClientFrame =
  | {
      type: 'message.send';
      conversationId: string;
      clientId: string;
      body: string;
      contentType?: ContentType;
      attachmentIds?: string[];
    }
  | { type: 'message.edit'; messageId: string; body: string; clientId?: string }
  | { type: 'message.delete'; messageId: string; clientId?: string }
  | { type: 'typing'; conversationId: string; isTyping: boolean }
  | { type: 'read'; conversationId: string; messageId: string }
  | { type: 'resume'; conversationId: string; afterId: string }
  | { type: 'ping' };

export interface Page<T> {
  items: T[];
  hasMore?: boolean;
}

/** Every server event type, so the SSE client can subscribe to each named event. */
export const SERVER_EVENT_TYPES = [
  'hello',
  'message.ack',
  'message.new',
  'message.updated',
  'message.deleted',
  'typing',
  'read',
  'unread',
  'resume.done',
  'presence',
  'conversation.new',
  'pong',
  'error',
] as const;

/** Fails to compile when the node adds an event type the SSE client would not subscribe to. */
type Unsubscribed = Exclude<ServerEvent['type'], (typeof SERVER_EVENT_TYPES)[number]>;
export const SSE_COVERS_EVERY_EVENT: [Unsubscribed] extends [never] ? true : never = true;

/** Compares two decimal id strings numerically without converting to a JS number. */
export function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
