import { createStore } from 'zustand/vanilla';
import type {
  CannedReply,
  Community,
  Conversation,
  DeskCounts,
  DeskSettings,
  DeskStatus,
  Message,
  Page,
  SearchHit,
  ServerEvent,
  StaffMember,
} from '../protocol';
import type { ChatController } from '../store/controller';
import { withThreadMessages } from '../store/events';
import { mergeMessages } from '../store/messages';
import type { ChatState } from '../store/state';
import { customerOf } from '../ui/format';
import { fill } from '../ui/strings';
import { bucketOf, inboxQuery, moveCounts, type InboxFilter } from './inbox';
import type { ConsoleStrings } from './strings';

export interface SearchState {
  q: string;
  hits: SearchHit[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

export interface DeskState {
  filter: InboxFilter;
  /** Per filter, from the node's last inbox page, moved along by live events. */
  counts: DeskCounts | null;
  nextCursor: string | null;
  loadingMore: boolean;
  staff: StaffMember[];
  canned: CannedReply[];
  settings: DeskSettings | null;
  search: SearchState | null;
  /** The message a search hit opened: scrolled to and highlighted in its thread. */
  focus: { conversationId: string; messageId: string } | null;
  /** The business's community channel, shown above the filtered inbox (it has no status). */
  communityId: string | null;
}

const AROUND = 25;

/**
 * The console's support desk: the inbox filter and its counts, staff, canned replies, settings
 * and search. It sits beside the chat controller (whose store keeps the conversations) and hears
 * its events, so a status or assignee change moves a conversation between filters live.
 */
export class Desk {
  readonly store = createStore<DeskState>()(() => ({
    filter: { status: 'open', assignee: 'all' },
    counts: null,
    nextCursor: null,
    loadingMore: false,
    staff: [],
    canned: [],
    settings: null,
    search: null,
    focus: null,
    communityId: null,
  }));

  constructor(
    readonly ctl: ChatController,
    private readonly ct: ConsoleStrings,
  ) {
    ctl.inboxQuery = inboxQuery(this.store.getState().filter);
    ctl.onInbox = (page) => this.onPage(page, false);
    ctl.listeners.add((e, before) => this.onEvent(e, before));
  }

  private get me() {
    return this.ctl.store.getState().me;
  }

  private get business() {
    return '/businesses/' + (this.me.businessId ?? '');
  }

  /** When the canned replies were last fetched: owners change them from other tabs. */
  private cannedAt = 0;

  /** Staff and canned replies, at start; either may fail without stopping the inbox. */
  start(): void {
    this.loadStaff();
    this.freshCanned();
    this.ctl.rest
      .request<Community>('GET', this.business + '/community')
      .then(({ subscribed: _s, subscriberCount: _n, ...c }) => {
        this.ctl.store.setState((s) => ({ conversations: { ...s.conversations, [c.id]: c } }));
        this.store.setState({ communityId: c.id });
      })
      .catch(() => undefined);
  }

  /** Fetches the canned replies again when the list is older than `maxAgeMs`. */
  freshCanned(maxAgeMs = 0): void {
    if (Date.now() - this.cannedAt < maxAgeMs) return;
    this.cannedAt = Date.now();
    this.ctl.rest
      .request<Page<CannedReply>>('GET', this.business + '/canned-replies')
      .then((p) => this.store.setState({ canned: p.items }))
      .catch(() => (this.cannedAt = 0));
  }

  loadStaff(): void {
    this.ctl.rest
      .request<Page<StaffMember>>('GET', this.business + '/staff')
      .then((p) => this.store.setState({ staff: p.items }))
      .catch(() => undefined);
  }

  private onPage(page: Page<Conversation>, more: boolean): void {
    this.store.setState((s) => ({
      counts: page.counts ?? s.counts,
      nextCursor: page.nextCursor ?? null,
      ...(more ? {} : { loadingMore: false }),
    }));
  }

  setFilter(filter: InboxFilter): Promise<unknown> {
    this.store.setState({ filter, nextCursor: null });
    this.ctl.inboxQuery = inboxQuery(filter);
    return this.ctl.refreshInbox().catch(() => undefined);
  }

  async loadMore(): Promise<void> {
    const { nextCursor, filter, loadingMore } = this.store.getState();
    if (!nextCursor || loadingMore) return;
    this.store.setState({ loadingMore: true });
    try {
      const page = await this.ctl.rest.listConversations(inboxQuery(filter, nextCursor));
      this.ctl.store.setState((s) => {
        const conversations = { ...s.conversations };
        for (const c of page.items) conversations[c.id] = c;
        return { conversations };
      });
      this.onPage(page, true);
    } finally {
      this.store.setState({ loadingMore: false });
    }
  }

  /** A conversation as the node answered it: stored, and the counts moved with it. */
  private apply(c: Conversation): void {
    const prev = this.ctl.store.getState().conversations[c.id];
    this.ctl.store.setState((s) => ({
      conversations: { ...s.conversations, [c.id]: { ...prev, ...c } },
    }));
    this.move(prev ? bucketOf(prev) : null, bucketOf(c));
  }

  private move(from: ReturnType<typeof bucketOf> | null, to: ReturnType<typeof bucketOf>): void {
    const { counts } = this.store.getState();
    if (counts) this.store.setState({ counts: moveCounts(counts, from, to, this.me.userId) });
  }

  async setStatus(id: string, status: DeskStatus, snoozedUntil?: string): Promise<void> {
    const c = await this.ctl.rest.request<Conversation>('POST', `/conversations/${id}/status`, {
      status,
      ...(snoozedUntil ? { snoozedUntil } : {}),
    });
    this.apply(c);
    this.ctl.announce(fill(this.ct.statusNow, { who: this.nameOf(id), status: this.ct[status] }));
  }

  async assign(id: string, userId: string | null): Promise<void> {
    const c = await this.ctl.rest.request<Conversation>('POST', `/conversations/${id}/assignee`, {
      userId,
    });
    this.apply(c);
    this.ctl.announce(
      userId
        ? fill(this.ct.assignedTo, { who: this.nameOf(id), name: c.assigneeName ?? '' })
        : fill(this.ct.unassignedNow, { who: this.nameOf(id) }),
    );
  }

  nameOf(id: string): string {
    const c = this.ctl.store.getState().conversations[id];
    const p = c && customerOf(c);
    return p?.name || fill(this.ct.customerN, { id: p?.userId ?? id });
  }

  /** Who made a change: a staff member, the conversation's customer (by writing), or the node. */
  private byName(userId: string | null, conversationId: string): string {
    if (!userId) return this.ct.theSystem;
    const staff = this.store.getState().staff.find((m) => m.userId === userId);
    if (staff) return staff.name ?? this.ct.colleague;
    const c = this.ctl.store.getState().conversations[conversationId];
    const p = c && customerOf(c);
    return p?.userId === userId ? this.nameOf(conversationId) : this.ct.colleague;
  }

  private onEvent(e: ServerEvent, before: ChatState): void {
    if (e.type === 'conversation.new') {
      if (!before.conversations[e.conversation.id]) this.move(null, bucketOf(e.conversation));
      return;
    }
    if (e.type === 'presence' && e.status === 'online') {
      const { staff } = this.store.getState();
      // A staff member signing in for the first time joins the assign list.
      if (staff.length && !staff.some((m) => m.userId === e.userId)) {
        if (!Object.values(before.conversations).some((c) => customerOf(c)?.userId === e.userId))
          this.loadStaff();
      }
      return;
    }
    if (e.type !== 'conversation.updated') return;
    const prev = before.conversations[e.conversationId];
    if (!prev) {
      // Not in this inbox yet (another page, or older than it): the node knows its counts.
      this.ctl.refreshInbox().catch(() => undefined);
      return;
    }
    this.move(bucketOf(prev), bucketOf(e));
    const me = this.me.userId;
    if (e.changedBy === me) return;
    const mineNow = e.assigneeId === me && prev.assigneeId !== me;
    if (e.conversationId !== before.activeId && !mineNow) return;
    const who = this.nameOf(e.conversationId);
    const by = this.byName(e.changedBy, e.conversationId);
    const customer = !!e.changedBy && customerOf(prev)?.userId === e.changedBy;
    if ((prev.status ?? 'open') !== e.status)
      this.ctl.announce(
        customer
          ? fill(this.ct.reopenedBy, { who })
          : fill(this.ct.statusBy, { who, status: this.ct[e.status], by }),
      );
    if ((prev.assigneeId ?? null) !== e.assigneeId)
      this.ctl.announce(
        e.assigneeId
          ? fill(this.ct.assignedBy, { who, name: e.assigneeName ?? '', by })
          : fill(this.ct.unassignedBy, { who, by }),
      );
  }

  async search(q: string): Promise<void> {
    const query = q.trim();
    if (!query) return this.clearSearch();
    this.store.setState({
      search: { q: query, hits: [], hasMore: false, loading: true, error: null },
    });
    try {
      const page = await this.ctl.rest.request<Page<SearchHit>>(
        'GET',
        '/search?' + new URLSearchParams({ q: query, limit: '20' }),
      );
      if (this.store.getState().search?.q !== query) return;
      this.store.setState({
        search: {
          q: query,
          hits: page.items,
          hasMore: !!page.hasMore,
          loading: false,
          error: null,
        },
      });
      this.ctl.announce(
        fill(page.items.length === 1 ? this.ct.results1 : this.ct.resultsN, {
          n: page.items.length,
        }),
      );
    } catch (err) {
      this.store.setState({
        search: {
          q: query,
          hits: [],
          hasMore: false,
          loading: false,
          error: (err as Error).message,
        },
      });
    }
  }

  async searchMore(): Promise<void> {
    const s = this.store.getState().search;
    if (!s || !s.hasMore || s.loading) return;
    this.store.setState({ search: { ...s, loading: true } });
    const q = new URLSearchParams({ q: s.q, limit: '20', offset: String(s.hits.length) });
    try {
      const page = await this.ctl.rest.request<Page<SearchHit>>('GET', '/search?' + q);
      this.store.setState({
        search: { ...s, hits: [...s.hits, ...page.items], hasMore: !!page.hasMore, loading: false },
      });
    } catch {
      this.store.setState({ search: { ...s, loading: false } });
    }
  }

  clearSearch(): void {
    this.store.setState({ search: null });
  }

  /**
   * Opens a hit's conversation with the history around the message (a page before it, and all
   * that came after, so the thread has no gap), then marks the message to scroll to.
   */
  async openHit(hit: SearchHit): Promise<void> {
    const cid = hit.conversationId;
    const ctl = this.ctl;
    if (!ctl.store.getState().conversations[cid]) {
      const c = await ctl.rest.request<Conversation>('GET', `/conversations/${cid}`);
      ctl.store.setState((s) => ({ conversations: { ...s.conversations, [cid]: c } }));
    }
    const older = await ctl.rest.history(cid, { before: hit.message.id }, AROUND);
    const newer: Message[] = [];
    for (let after = hit.message.id, i = 0; i < 10; i++) {
      const page = await ctl.rest.history(cid, { after }, 200);
      newer.push(...page.items);
      if (page.items.length < 200) break;
      after = page.items[page.items.length - 1].id;
    }
    const known = ctl.store.getState().threads[cid];
    ctl.store.setState((s) => ({
      ...withThreadMessages(
        s,
        cid,
        (m) => mergeMessages(m, [...older.items, hit.message, ...newer]),
        {
          loaded: true,
          loading: false,
          hasMore: known?.loaded ? known.hasMore : (older.hasMore ?? older.items.length >= AROUND),
        },
      ),
      activeId: cid,
    }));
    this.store.setState({ focus: { conversationId: cid, messageId: hit.message.id } });
  }

  clearFocus(): void {
    if (this.store.getState().focus) this.store.setState({ focus: null });
  }

  async loadSettings(): Promise<DeskSettings> {
    const s = await this.ctl.rest.request<DeskSettings>('GET', this.business + '/settings');
    this.store.setState({ settings: s });
    return s;
  }

  async saveSettings(settings: DeskSettings): Promise<void> {
    const s = await this.ctl.rest.request<DeskSettings>(
      'PUT',
      this.business + '/settings',
      settings,
    );
    this.store.setState({ settings: s });
  }

  async saveCanned(reply: { id?: string; shortcut: string; body: string }): Promise<void> {
    const body = { shortcut: reply.shortcut, body: reply.body };
    const saved = reply.id
      ? await this.ctl.rest.request<CannedReply>(
          'PUT',
          `${this.business}/canned-replies/${reply.id}`,
          body,
        )
      : await this.ctl.rest.request<CannedReply>('POST', this.business + '/canned-replies', body);
    this.store.setState((s) => ({
      canned: [...s.canned.filter((r) => r.id !== saved.id), saved].sort((a, b) =>
        a.shortcut < b.shortcut ? -1 : 1,
      ),
    }));
  }

  async deleteCanned(id: string): Promise<void> {
    await this.ctl.rest.request('DELETE', `${this.business}/canned-replies/${id}`);
    this.store.setState((s) => ({ canned: s.canned.filter((r) => r.id !== id) }));
  }
}
