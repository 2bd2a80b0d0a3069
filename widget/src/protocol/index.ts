/**
 * Wire types of the ServiHub Chat protocol. The types themselves are generated from the node's
 * Rust definitions (ts-rs, `generated/`), so they cannot drift; this module adds what the widget
 * needs on top. Ids are decimal strings because BIGINT does not fit a JS number.
 */

import type { ServerEvent } from './generated/ServerEvent';

export type { Attachment } from './generated/Attachment';
export type { AttachmentLink } from './generated/AttachmentLink';
export type { Community } from './generated/Community';
export type { ContentType } from './generated/ContentType';
export type { ConversationType } from './generated/ConversationType';
export type { ErrorBody } from './generated/ErrorBody';
export type { ErrorCode } from './generated/ErrorCode';
export type { Hello } from './generated/Hello';
export type { Participant } from './generated/Participant';
export type { PresenceStatus } from './generated/PresenceStatus';
export type { ReactionSummary } from './generated/ReactionSummary';
export type { Role } from './generated/Role';
export type { Sender } from './generated/Sender';
export type { ServerEvent } from './generated/ServerEvent';
export type { CannedReply } from './generated/CannedReply';
export type { ClientFrame } from './generated/ClientFrame';
export type { Conversation } from './generated/Conversation';
export type { ConversationStatus } from './generated/ConversationStatus';
export type { DeskSettings } from './generated/DeskSettings';
export type { DeskState } from './generated/DeskState';
export type { InboxCounts } from './generated/InboxCounts';
export type { Message } from './generated/Message';
export type { SearchHit } from './generated/SearchHit';
export type { StaffMember } from './generated/StaffMember';
export type * from './desk';

/** Any id on the wire: a decimal string (each kind has its own generated alias). */
export type Id = string;

/**
 * A list response: `items`, with `hasMore` on history and search pages, and on staff inbox
 * pages the next page's cursor and the counts per filter.
 */
export interface Page<T> {
  items: T[];
  hasMore?: boolean;
  nextCursor?: string | null;
  counts?: import('./desk').DeskCounts;
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
  'resync',
  'presence',
  'conversation.new',
  'conversation.updated',
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
