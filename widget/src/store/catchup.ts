import type { RestClient } from '../api/rest';
import type { Message } from '../protocol';
import type { Connection } from '../transport/connection';
import { lastStoredId, resumeSince, type ChatMessage } from './messages';

/** What catching up needs from the controller. */
export interface CatchUpHost {
  connection: Connection;
  rest: RestClient;
  loadLatest(cid: string): Promise<void>;
  applyMessage(m: Message): void;
}

/**
 * After a (re)connect every loaded thread fetches what it missed: everything after its last
 * stored id, and what was created from a `resync`'s `since` on whatever its id. The `since` is
 * kept until every thread has caught up from it.
 */
export class CatchUp {
  private resync: string | null = null;
  private left = new Set<string>();

  constructor(private readonly host: CatchUpHost) {}

  /** A `resync`: events may have been lost from `since` on (the earliest one wins). */
  heard(since: string): void {
    const r = this.resync;
    this.resync = r && Date.parse(r) < Date.parse(since) ? r : since;
  }

  /** The connection is up: each thread catches up, or loads afresh when it never loaded. */
  all(
    threads: Record<string, { messages: ChatMessage[]; loaded: boolean; loading?: boolean }>,
  ): void {
    if (this.resync) this.left = new Set(Object.keys(threads));
    for (const [cid, thread] of Object.entries(threads)) {
      const since = resumeSince(thread.messages, this.resync);
      if (thread.loaded) void this.one(cid, lastStoredId(thread.messages), since);
      else {
        this.left.delete(cid); // its latest page comes fresh
        if (!thread.loading) void this.host.loadLatest(cid);
      }
    }
    if (this.left.size === 0) this.resync = null;
  }

  private async one(cid: string, afterId: string | null, since?: string): Promise<void> {
    const { connection, rest } = this.host;
    if (!afterId) return void this.host.loadLatest(cid).then(() => this.done(cid));
    if (connection.send({ type: 'resume', conversationId: cid, afterId, since })) return;
    let after = afterId;
    for (;;) {
      const page = await rest.history(cid, { after, since }, 200).catch(() => null);
      if (!page) return;
      for (const m of page.items) this.host.applyMessage(m);
      const newest = page.items[page.items.length - 1]?.id; // pages come in id order
      if (page.items.length < 200 || !newest) return this.done(cid);
      // Paged on with `after` alone: what `since` reached is in this page or above it.
      [after, since] = [newest, undefined];
    }
  }

  /** A thread has caught up (its `resume.done`, or its last REST page). */
  done(cid: string): void {
    this.left.delete(cid);
    if (this.left.size === 0) this.resync = null;
  }
}
