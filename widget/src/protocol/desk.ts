/**
 * The support desk's wire types (docs/protocol.md, "Support desk"): what the inbox, the console
 * and the customer's widget read about status, assignment, notes, canned replies and search.
 * The fields the node adds to existing objects are written here until its generated types carry
 * them; `index.ts` merges them into `Conversation`, `Message`, `ServerEvent` and `ClientFrame`.
 */

export type DeskStatus = 'open' | 'pending' | 'snoozed' | 'resolved';
export type AssigneeFilter = 'mine' | 'unassigned' | 'all';

/** What a conversation gains: its status and who is on it. */
export interface ConversationDesk {
  status?: DeskStatus;
  snoozedUntil?: string | null;
  assigneeId?: string | null;
  assigneeName?: string | null;
}

/** What a message gains: `true` for a staff-only note. */
export interface MessageDesk {
  private?: boolean;
}

export interface ConversationUpdated {
  type: 'conversation.updated';
  conversationId: string;
  status: DeskStatus;
  snoozedUntil: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  /** Who changed it; null when the node did (a snooze ending, auto-assignment). */
  changedBy: string | null;
}

/** Conversations per status and assignee filter, as staff inbox pages report them. */
export type DeskCounts = Record<DeskStatus, Record<AssigneeFilter, number>>;

export interface StaffMember {
  userId: string;
  name: string | null;
  role: 'AGENT' | 'OWNER';
  online: boolean;
}

export interface DeskSettings {
  autoAssign: boolean;
  maxOpenPerAgent: number;
  awayMessage: string | null;
  expectedReplyMinutes: number | null;
}

export interface CannedReply {
  id: string;
  shortcut: string;
  body: string;
  updatedAt?: string;
}

export interface SearchHit<M> {
  conversationId: string;
  message: M;
  /** Plain text, never HTML. */
  snippet: string;
  /** `[start, end)` character offsets of the matches in `snippet`. */
  highlights: [number, number][];
  rank: number;
}
