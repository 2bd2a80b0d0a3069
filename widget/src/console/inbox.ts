import type { AssigneeFilter, Conversation, DeskCounts, DeskStatus } from '../protocol';

export const STATUSES: DeskStatus[] = ['open', 'pending', 'snoozed', 'resolved'];
export const ASSIGNEES: AssigneeFilter[] = ['mine', 'unassigned', 'all'];

export interface InboxFilter {
  status: DeskStatus;
  assignee: AssigneeFilter;
}

/** Where a conversation is counted: its status and its assignee. */
export interface Bucket {
  status: DeskStatus;
  assigneeId: string | null;
}

export const bucketOf = (c: Pick<Conversation, 'status' | 'assigneeId'>): Bucket => ({
  status: c.status ?? 'open',
  assigneeId: c.assigneeId ?? null,
});

export function inFilter(b: Bucket, f: InboxFilter, me: string | null): boolean {
  if (b.status !== f.status) return false;
  if (f.assignee === 'mine') return !!me && b.assigneeId === me;
  if (f.assignee === 'unassigned') return b.assigneeId === null;
  return true;
}

/** The inbox query string for a filter (and the next page's cursor). */
export function inboxQuery(f: InboxFilter, cursor?: string | null): string {
  const q = new URLSearchParams({ status: f.status, assignee: f.assignee });
  if (cursor) q.set('cursor', cursor);
  return '?' + q;
}

/**
 * The counts after one conversation moved from `from` to `to` (either null: it appeared or went
 * away). A move within one bucket changes nothing, so an answer and its event can both be
 * applied. Counts never go below zero: a list loaded before the conversation existed may lag.
 */
export function moveCounts(
  counts: DeskCounts,
  from: Bucket | null,
  to: Bucket | null,
  me: string | null,
): DeskCounts {
  if (from && to && from.status === to.status && from.assigneeId === to.assigneeId) return counts;
  const next = structuredCloneCounts(counts);
  const add = (b: Bucket, n: number) => {
    const row = next[b.status];
    for (const a of ASSIGNEES) {
      if (inFilter(b, { status: b.status, assignee: a }, me)) row[a] = Math.max(0, row[a] + n);
    }
  };
  if (from) add(from, -1);
  if (to) add(to, 1);
  return next;
}

export const emptyCounts = (): DeskCounts =>
  Object.fromEntries(STATUSES.map((s) => [s, { mine: 0, unassigned: 0, all: 0 }])) as DeskCounts;

function structuredCloneCounts(c: DeskCounts): DeskCounts {
  const out = emptyCounts();
  for (const s of STATUSES) out[s] = { ...out[s], ...c[s] };
  return out;
}

/**
 * The conversations a filter shows, newest activity first. The business's community has no
 * status or assignee: the inbox shows it on its own, above the filtered list.
 */
export function visibleConversations(
  conversations: Record<string, Conversation>,
  f: InboxFilter,
  me: string | null,
): Conversation[] {
  const at = (c: Conversation) => c.lastMessage?.createdAt ?? c.updatedAt ?? c.createdAt;
  return Object.values(conversations)
    .filter((c) => c.type !== 'COMMUNITY' && inFilter(bucketOf(c), f, me))
    .sort((a, b) => (at(a) < at(b) ? 1 : -1));
}
