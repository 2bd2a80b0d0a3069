import { RestClient } from '../api/rest';
import {
  type ClientFrame,
  type ContentType,
  type Conversation,
  type Message,
  type Page,
  type ServerEvent,
} from '../protocol';
import { Connection, type ConnectionOptions } from '../transport/connection';
import { applyEvent, withMessage, withThreadMessages } from './events';
import { firstStoredId, localId, mergeMessages, type ChatMessage } from './messages';
import { identityFromToken, newClientId, toggleReaction } from './helpers';
import { keepOutbox } from './outbox';
import { createChatStore, type ChatState, type ChatStore, type Mode } from './state';
import { Alerts } from './alerts';
import { Signals } from './signals';
import { CatchUp } from './catchup';
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
/** A send without an ack in this time is shown as failed so the user can retry it. */
const ACK_TIMEOUT_MS = 15_000;

/** Owns the side effects: REST calls, the live connection, timers. The store holds only data. */
export class ChatController {
  readonly store: ChatStore;
  readonly rest: RestClient;
  readonly connection: Connection;
  private ackTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private loading = false;
  private loaded = false;
  private readonly catchUp = new CatchUp(this);
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
  private readonly alerts: Alerts;
  private readonly signals: Signals;

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
    this.alerts = new Alerts(this.store, this.t);
    this.signals = new Signals(this.store, this.connection, this.rest, (e) => this.onEvent(e));
  }

  async start(): Promise<void> {
    this.alerts.start(!!this.opts.notify);
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
    this.alerts.stop();
    this.signals.stop();
    this.unsubscribeOutbox?.();
    this.connection.stop();
    for (const t of this.ackTimers.values()) clearTimeout(t);
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
    this.alerts.set(on);
  }

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
    this.alerts.notice();
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
    this.signals.markRead(cid);
  }

  setTyping(cid: string, isTyping: boolean): void {
    this.signals.setTyping(cid, isTyping);
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
    this.catchUp.all(threads);
    for (const thread of Object.values(threads)) {
      const unsent = thread.messages.filter((m) => m.status === 'sending' && m.pending);
      for (const m of unsent) void this.dispatch(m);
    }
    if (reconnect && this.opts.mode === 'agent') this.refreshInbox().catch(() => undefined);
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'message.ack') clearTimeout(this.ackTimers.get(event.clientId));
    if (event.type === 'resync') this.catchUp.heard(event.since);
    if (event.type === 'resume.done') this.catchUp.done(event.conversationId);
    if (event.type === 'error' && event.ref) {
      const ref = event.ref;
      const thread = Object.entries(this.store.getState().threads).find(([, t]) =>
        t.messages.some((m) => m.clientId === ref && m.status !== 'sent'),
      );
      if (thread) this.setPendingStatus(thread[0], ref, 'failed', event.message);
      return;
    }
    if (event.type === 'typing') this.signals.expireTyping(event.conversationId, event.userId);
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

  /** Public for the catch-up: a stored message from the node. */
  applyMessage(message: Message): void {
    if (message.clientId) clearTimeout(this.ackTimers.get(message.clientId));
    this.store.setState((s) => withMessage(s, message));
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
