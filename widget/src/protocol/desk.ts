/**
 * The support desk's client-side types (docs/protocol.md, "Support desk"): what the generated
 * wire types leave to the client, such as the inbox's assignee filter.
 */
import type { ConversationStatus } from './generated/ConversationStatus';
import type { InboxCounts } from './generated/InboxCounts';

export type DeskStatus = ConversationStatus;
export type AssigneeFilter = keyof InboxCounts;

/** Conversations per status and assignee filter, as staff inbox pages report them. */
export type DeskCounts = Record<DeskStatus, InboxCounts>;
