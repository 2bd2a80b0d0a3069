import { RestClient } from '../api/rest';
import {
  compareIds,
  type ClientFrame,
  type ContentType,
  type Conversation,
  type Message,
  type Page,
  type ServerEvent,
} from '../protocol';
import { Connection, type ConnectionOptions } from '../transport/connection';
import { applyEvent, withConversation, withMessage, withThreadMessages } from './events';
import {
  firstStoredId,
  lastStoredId,
  localId,
  mergeMessages,
  resumeSince,
  type ChatMessage,
} from './messages';
import { identityFromToken, newClientId, toggleReaction } from './helpers';
import { keepOutbox } from './outbox';
import { createChatStore, type ChatState, type ChatStore, type Mode } from './state';
import { STRINGS, fill, type Strings } from '../ui/strings';
import { excerpt, preview, senderLabel } from '../ui/format';

export interface ControllerOptions {
  apiUrl: string;
  token: string;
  mode: Mode;
  businessId?: string;
  /** Replacements for the built-in English texts. */
  messages?: Partial<Strings>;
  /** BCP 47 locale for dates and times (default: the browser's). */
  locale?: string;
  /** Start with the sound and tab-title alerts on (the visitor can still turn them off). */
  notify?: boolean;
  /** Test seams: transports and timers. */
  connection?: Partial<ConnectionOptions>;
  fetch?: typeof fetch;
}

const PAGE = 50;
const ALERTS_KEY = 'servihub-chat:alerts';
/** A send without an ack in this time is shown as failed so the user can retry it. */
const ACK_TIMEOUT_MS = 15_000;
/** The node expires a typing state after 5 s; renewing a little earlier keeps it steady. */
const TYPING_RENEW_MS = 3_000;
const TYPING_EXPIRY_MS = 6_000;

/** Owns the side effects: REST calls, the live connection, timers. The store holds only data. */
export class ChatController {
  readonly store: ChatStore;
  readonly rest: RestClient;
  readonly connection: Connection;
  private ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingSentAt = new Map<string, number>();
  private readSent = new Map<string, string>();
  private loading = false;
  private loaded = false;
  /** The `since` of a `resync` (events may have been lost from then on), until every thread has
   * caught up from it; `resyncLeft` are the threads still to. */
  private resync: string | null = null;
  private resyncLeft = new Set<string>();
  private unsubscribeOutbox?: () => void;
  /** Half-typed text per conversation, kept while the panel is closed or another thread is open. */
  readonly drafts = new Map<string, string>();
  readonly t: Strings;
  readonly locale?: string;
  private said = 0;
  /**
   * The inbox page to load (query string with its `?`): the console sets its filter here so a
   * reconnect reloads what is on screen, and hears each page (with its counts) in `onInbox`.
   */
  inboxQuery = '';
  onInbox?: (page: Page<Conversation>) => void;
  /** Hear every server event after the store applied it, with the state from before. */
  readonly listeners = new Set<(event: ServerEvent, before: ChatState) => void>();
  private audio?: AudioContext;
  private hiddenCount = 0;
  private title = '';

  constructor(private readonly opts: ControllerOptions) {
    this.store = createChatStore(opts.mode);
    this.t = { ...STRINGS, ...opts.messages };
    this.locale = opts.locale;
    // Known before any `hello`: SSE clients may never get one, and optimistic messages need it.
    this.store.setState({ me: identityFromToken(opts.token) });
    this.rest = new RestClient(opts.apiUrl, opts.token, opts.fetch);
    this.connection = new Connection({
      apiUrl: opts.apiUrl,
      token: opts.token,
      businessId: opts.mode === 'customer' ? opts.businessId : undefined,
      onEvent: (e) => this.onEvent(e),
      onStatus: (status, kind) => this.store.setState({ connection: { status, kind } }),
      onOpen: (_kind, reconnect) => this.onOpen(reconnect),
      ...opts.connection,
    });
  }

  async start(): Promise<void> {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(ALERTS_KEY);
    } catch {
      // storage disabled: the mount option decides
    }
    this.store.setState({ alerts: stored ? stored === '1' : !!this.opts.notify });
    document.addEventListener('visibilitychange', this.onVisible);
    this.unsubscribeOutbox = keepOutbox(this.store);
    this.connection.start();
    await this.load();
  }

  /** The first load; repeated on each reconnect until it succeeds (a page may open offline). */
  private async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    this.store.setState({ error: null });
    try {
      if (this.opts.mode === 'customer') {
        if (!this.opts.businessId) throw new Error('businessId is required in customer mode');
        const conv = await this.rest.openConversation(this.opts.businessId);
        this.store.setState((s) => ({
          conversations: { ...s.conversations, [conv.id]: conv },
          activeId: conv.id,
        }));
        await this.loadLatest(conv.id);
      } else {
        await this.refreshInbox();
      }
      this.loaded = true;
    } catch (err) {
      this.store.setState({ error: (err as Error).message || 'Could not load the chat' });
    } finally {
      this.loading = false;
    }
  }

  stop(): void {
    document.removeEventListener('visibilitychange', this.onVisible);
    this.onVisible();
    this.unsubscribeOutbox?.();
    this.connection.stop();
    for (const t of [...this.ackTimers.values(), ...this.typingTimers.values()]) clearTimeout(t);
  }

  async refreshInbox(query = this.inboxQuery): Promise<Page<Conversation>> {
    const page = await this.rest.listConversations(query);
    this.store.setState((s) => {
      const conversations = { ...s.conversations };
      for (const c of page.items) conversations[c.id] = c;
      return { conversations };
    });
    this.onInbox?.(page);
    return page;
  }

  select(conversationId: string | null): void {
    this.store.setState({ activeId: conversationId });
    const thread = conversationId ? this.store.getState().threads[conversationId] : undefined;
    if (conversationId && !thread?.loaded) void this.loadLatest(conversationId);
  }

  setOpen(open: boolean): void {
    this.store.setState({ open });
  }

  /** Adds one line to the live region; only the last few are kept in the DOM. */
  announce(text: string): void {
    const id = ++this.said;
    this.store.setState((s) => ({ announcements: [...s.announcements.slice(-4), { id, text }] }));
  }

  setAlerts(on: boolean): void {
    this.store.setState({ alerts: on });
    try {
      localStorage.setItem(ALERTS_KEY, on ? '1' : '0');
    } catch {
      // the choice lasts for this page only
    }
    // Created on the visitor's click, so the browser lets it play later.
    if (on && !this.audio && typeof AudioContext !== 'undefined') this.audio = new AudioContext();
  }

  private readonly onVisible = () => {
    if (document.visibilityState === 'hidden' || !this.hiddenCount) return;
    this.hiddenCount = 0;
    document.title = this.title;
  };

  /** A message from someone else: said in words, and an alert when the page is in the background. */
  private incoming(m: Message): void {
    const s = this.store.getState();
    if (
      m.senderId === s.me.userId ||
      s.threads[m.conversationId]?.messages.some((x) => x.id === m.id)
    )
      return;
    const who = senderLabel(m, s.conversations[m.conversationId], s.me.userId, this.t);
    const shown = s.mode === 'agent' ? s.activeId === m.conversationId : s.open;
    const text = excerpt(preview(m, this.t), 200);
    this.announce(fill(shown ? this.t.said : this.t.newFrom, { who, text }));
    if (!s.alerts || document.visibilityState !== 'hidden') return;
    if (!this.hiddenCount++) this.title = document.title;
    document.title = fill(this.t.titleNotice, { n: this.hiddenCount }) + ' · ' + this.title;
    const a = this.audio;
    if (a) {
      const o = a.createOscillator();
      const g = a.createGain();
      g.gain.value = 0.08;
      o.frequency.value = 880;
      o.connect(g).connect(a.destination);
      o.start();
      o.stop(a.currentTime + 0.18);
    }
  }

  async loadLatest(cid: string): Promise<void> {
    this.store.setState((s) => withThreadMessages(s, cid, (m) => m, { loading: true }));
    try {
      const page = await this.rest.history(cid, {}, PAGE);
      this.store.setState((s) =>
        withThreadMessages(s, cid, (m) => mergeMessages(m, page.items), {
          loading: false,
          loaded: true,
          hasMore: page.hasMore ?? page.items.length >= PAGE,
        }),
      );
    } catch (err) {
      this.store.setState((s) => ({
        ...withThreadMessages(s, cid, (m) => m, { loading: false }),
        error: (err as Error).message,
      }));
    }
  }

  /** Infinite scroll upwards: one page before the oldest loaded message. */
  async loadOlder(cid: string): Promise<void> {
    const thread = this.store.getState().threads[cid];
    if (!thread || thread.loading || !thread.hasMore) return;
    const before = firstStoredId(thread.messages);
    if (!before) return;
    this.store.setState((s) => withThreadMessages(s, cid, (m) => m, { loading: true }));
    try {
      const page = await this.rest.history(cid, { before }, PAGE);
      // Older messages land while the log is still busy, so screen readers do not read them out
      // as if they were new; the busy flag clears on the next tick.
      this.store.setState((s) =>
        withThreadMessages(s, cid, (m) => mergeMessages(m, page.items), {
          hasMore: page.hasMore ?? page.items.length >= PAGE,
        }),
      );
      await new Promise((r) => setTimeout(r, 0));
    } catch {
      // The page stays loadable: the next scroll or button press tries again.
    } finally {
      this.store.setState((s) => withThreadMessages(s, cid, (m) => m, { loading: false }));
    }
  }

  /** Optimistic send: the message shows at once as "sending" and is replaced by the stored one. */
  send(
    cid: string,
    body: string,
    attachmentIds?: string[],
    contentType?: ContentType,
    note?: boolean,
  ): string {
    const clientId = newClientId();
    const { me } = this.store.getState();
    const optimistic: ChatMessage = {
      id: localId(clientId),
      conversationId: cid,
      senderId: me.userId ?? '',
      sender: { id: me.userId ?? '', name: null, role: me.role ?? 'CUSTOMER' },
      contentType: contentType ?? 'TEXT',
      body,
      fileUrl: null,
      mimeType: null,
      attachments: [],
      reactions: [],
      clientId,
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
      private: !!note,
      status: 'sending',
      pending: { body, contentType, attachmentIds, note },
    };
    this.store.setState((s) => withThreadMessages(s, cid, (m) => [...m, optimistic]));
    this.setTyping(cid, false);
    void this.dispatch(optimistic);
    return clientId;
  }

  retry(cid: string, clientId: string): void {
    const msg = this.pendingMessage(cid, clientId);
    if (!msg) return;
    this.setPendingStatus(cid, clientId, 'sending');
    void this.dispatch(msg);
  }

  edit(messageId: string, body: string): Promise<void> {
    return this.mutate({ type: 'message.edit', messageId, body }, () =>
      this.rest.edit(messageId, body),
    );
  }

  remove(messageId: string): Promise<void> {
    return this.mutate({ type: 'message.delete', messageId }, () => this.rest.remove(messageId));
  }

  async react(cid: string, messageId: string, emoji: string, on: boolean): Promise<void> {
    const me = this.store.getState().me.userId ?? '';
    this.store.setState((s) =>
      withThreadMessages(s, cid, (list) =>
        list.map((m) =>
          m.id === messageId ? { ...m, reactions: toggleReaction(m, emoji, me, on) } : m,
        ),
      ),
    );
    try {
      const msg = await this.rest.react(messageId, emoji, on);
      if (msg?.id === messageId) this.applyMessage(msg);
    } catch {
      this.store.setState((s) =>
        withThreadMessages(s, cid, (list) =>
          list.map((m) =>
            m.id === messageId ? { ...m, reactions: toggleReaction(m, emoji, me, !on) } : m,
          ),
        ),
      );
    }
  }

  /** Marks the newest message read when the user can see it; the node resets the unread count. */
  markRead(cid: string): void {
    const thread = this.store.getState().threads[cid];
    const last = thread && lastStoredId(thread.messages);
    if (!last) return;
    const sent = this.readSent.get(cid);
    const conv = this.store.getState().conversations[cid];
    if (sent && compareIds(sent, last) >= 0 && !conv?.unreadCount) return;
    this.readSent.set(cid, last);
    this.store.setState((s) => withConversation(s, cid, { unreadCount: 0 }) ?? {});
    const frame: ClientFrame = { type: 'read', conversationId: cid, messageId: last };
    if (!this.connection.send(frame)) {
      this.rest.read(cid, last).catch(() => this.readSent.delete(cid));
    }
  }

  /** Typing is renewed while the user types and cleared when they stop or send. */
  setTyping(cid: string, isTyping: boolean): void {
    const now = Date.now();
    const last = this.typingSentAt.get(cid) ?? 0;
    if (isTyping && now - last < TYPING_RENEW_MS) return;
    if (!isTyping && last === 0) return;
    this.typingSentAt.set(cid, isTyping ? now : 0);
    const frame: ClientFrame = { type: 'typing', conversationId: cid, isTyping };
    if (!this.connection.send(frame)) this.rest.typing(cid, isTyping).catch(() => undefined);
  }

  private async mutate(frame: ClientFrame, viaRest: () => Promise<Message>): Promise<void> {
    if (this.connection.send(frame)) return;
    const msg = await viaRest();
    if (msg && msg.conversationId) this.applyMessage(msg);
  }

  private async dispatch(msg: ChatMessage): Promise<void> {
    const cid = msg.conversationId;
    const clientId = msg.clientId!;
    const p = msg.pending!;
    const frame: ClientFrame = {
      type: 'message.send',
      conversationId: cid,
      clientId,
      body: p.body,
      ...(p.contentType ? { contentType: p.contentType } : {}),
      ...(p.attachmentIds?.length ? { attachmentIds: p.attachmentIds } : {}),
      ...(p.note ? { private: true } : {}),
    };
    if (this.connection.send(frame)) {
      clearTimeout(this.ackTimers.get(clientId));
      this.ackTimers.set(
        clientId,
        setTimeout(() => this.setPendingStatus(cid, clientId, 'failed'), ACK_TIMEOUT_MS),
      );
      return;
    }
    if (this.connection.status !== 'online') return; // flushed when the connection is back
    try {
      this.applyMessage(
        await this.rest.send(cid, {
          clientId,
          body: p.body,
          contentType: p.contentType,
          attachmentIds: p.attachmentIds,
          ...(p.note ? { private: true } : {}),
        }),
      );
    } catch (err) {
      // A network failure while the stream is down is retried on reconnect; anything else is shown.
      if (this.connection.status === 'online' || !(err instanceof TypeError)) {
        this.setPendingStatus(cid, clientId, 'failed', (err as Error).message);
      }
    }
  }

  private onOpen(reconnect: boolean): void {
    if (!this.loaded) void this.load();
    const { threads } = this.store.getState();
    if (this.resync) this.resyncLeft = new Set(Object.keys(threads));
    for (const [cid, thread] of Object.entries(threads)) {
      const since = resumeSince(thread.messages, this.resync);
      if (thread.loaded) void this.catchUp(cid, lastStoredId(thread.messages), since);
      else {
        this.resyncLeft.delete(cid); // its latest page comes fresh
        if (!thread.loading) void this.loadLatest(cid);
      }
      const unsent = thread.messages.filter((m) => m.status === 'sending' && m.pending);
      for (const m of unsent) void this.dispatch(m);
    }
    if (this.resyncLeft.size === 0) this.resync = null;
    if (reconnect && this.opts.mode === 'agent') this.refreshInbox().catch(() => undefined);
  }

  /**
   * After any (re)connect: fetch everything after the last seen id, and what was created from
   * `since` on whatever its id, so nothing is missed.
   */
  private async catchUp(cid: string, afterId: string | null, since?: string): Promise<void> {
    if (!afterId) return void this.loadLatest(cid).then(() => this.caughtUp(cid));
    if (this.connection.send({ type: 'resume', conversationId: cid, afterId, since })) return;
    let after = afterId;
    for (;;) {
      const page = await this.rest.history(cid, { after, since }, 200).catch(() => null);
      if (!page) return;
      for (const m of page.items) this.applyMessage(m);
      const newest = page.items[page.items.length - 1]?.id; // pages come in id order
      if (page.items.length < 200 || !newest) return this.caughtUp(cid);
      // Paged on with `after` alone: what `since` reached is in this page or above it.
      [after, since] = [newest, undefined];
    }
  }

  /** A thread has caught up from the last `resync`; once all have, it is served. */
  private caughtUp(cid: string): void {
    this.resyncLeft.delete(cid);
    if (this.resyncLeft.size === 0) this.resync = null;
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'message.ack') clearTimeout(this.ackTimers.get(event.clientId));
    if (event.type === 'resync') {
      const r = this.resync;
      this.resync = r && Date.parse(r) < Date.parse(event.since) ? r : event.since;
    }
    if (event.type === 'resume.done') this.caughtUp(event.conversationId);
    if (event.type === 'error' && event.ref) {
      const ref = event.ref;
      const thread = Object.entries(this.store.getState().threads).find(([, t]) =>
        t.messages.some((m) => m.clientId === ref && m.status !== 'sent'),
      );
      if (thread) this.setPendingStatus(thread[0], ref, 'failed', event.message);
      return;
    }
    if (event.type === 'typing') this.expireTyping(event.conversationId, event.userId);
    if (event.type === 'message.new') this.incoming(event.message);
    if (
      event.type === 'message.new' &&
      !this.store.getState().conversations[event.message.conversationId]
    ) {
      // A conversation this inbox has not seen (its `conversation.new` was missed): reload the list.
      this.refreshInbox().catch(() => undefined);
    }
    const before = this.store.getState();
    const patch = applyEvent(before, event);
    if (patch) this.store.setState(patch);
    for (const l of this.listeners) l(event, before);
  }

  private applyMessage(message: Message): void {
    if (message.clientId) clearTimeout(this.ackTimers.get(message.clientId));
    this.store.setState((s) => withMessage(s, message));
  }

  private expireTyping(cid: string, userId: string): void {
    const key = cid + ':' + userId;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(
      key,
      setTimeout(() => {
        this.onEvent({ type: 'typing', conversationId: cid, userId, name: null, isTyping: false });
      }, TYPING_EXPIRY_MS),
    );
  }

  private pendingMessage(cid: string, clientId: string): ChatMessage | undefined {
    return this.store.getState().threads[cid]?.messages.find((m) => m.id === localId(clientId));
  }

  private setPendingStatus(
    cid: string,
    clientId: string,
    status: ChatMessage['status'],
    error?: string,
  ): void {
    if (status === 'failed') this.announce(this.t.failed + (error ? ' ' + error : ''));
    this.store.setState((s) =>
      withThreadMessages(s, cid, (list) =>
        list.map((m) =>
          m.id === localId(clientId) && m.pending
            ? { ...m, status, pending: { ...m.pending, error } }
            : m,
        ),
      ),
    );
  }
}
