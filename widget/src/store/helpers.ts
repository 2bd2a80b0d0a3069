import type { Message, Role } from '../protocol';
import type { ChatState } from './state';

/** Fallback for browsers without crypto.randomUUID: unique enough within one page. */
let counter = 0;
export function newClientId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return Date.now().toString(36) + '-' + (counter++).toString(36) + Math.random().toString(36);
}

/** How many reacted: `count`, which a community's subscribers get without the ids. */
export function reactionCount(r: { userIds: string[]; count?: number }): number {
  return typeof r.count === 'number' ? r.count : r.userIds.length;
}

/** The reactions of `m` with `me`'s `emoji` turned on or off. */
export function toggleReaction(m: Message, emoji: string, me: string, on: boolean) {
  const list = (m.reactions ?? []).map((r) => ({
    ...r,
    userIds: [...r.userIds],
    count: reactionCount(r),
  }));
  let r = list.find((x) => x.emoji === emoji);
  if (!r) list.push((r = { emoji, userIds: [], count: 0 }));
  const has = r.userIds.includes(me);
  if (on !== has) {
    r.userIds = on ? [...r.userIds, me] : r.userIds.filter((u) => u !== me);
    r.count = Math.max(0, r.count + (on ? 1 : -1));
  }
  return list.filter((x) => x.count > 0);
}

/** Reads (does not verify) the JWT claims; the node verifies, the widget only needs who it is. */
export function identityFromToken(token: string): ChatState['me'] {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part)) as Record<string, unknown>;
    const str = (v: unknown) => (v === undefined || v === null ? null : String(v));
    return {
      userId: str(claims.sub),
      role: (str(claims.role) as Role | null) ?? null,
      businessId: str(claims.businessId),
    };
  } catch {
    return { userId: null, role: null, businessId: null };
  }
}
