import { useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { Conversation, SearchHit } from '../protocol';
import { Avatar } from '../ui/Avatar';
import { useChat, useController, useT } from '../ui/context';
import { customerOf, preview, shortWhen } from '../ui/format';
import { Presence } from '../ui/Presence';
import { fill } from '../ui/strings';
import { useDesk } from './context';
import { useOnline } from './DeskControls';
import { ASSIGNEES, STATUSES, visibleConversations } from './inbox';
import { snippetParts } from './search';
import type { ConsoleStrings } from './strings';

export const nameOf = (c: Conversation, ct: ConsoleStrings) => {
  if (c.type === 'COMMUNITY') return fill(ct.communityOf, { name: c.businessName });
  const p = customerOf(c);
  return p?.name || fill(ct.customerN, { id: p?.userId ?? c.id });
};

/**
 * The inbox column: search, the status and assignee filters with their counts, and the
 * conversations the filter shows (or the search's hits), paged.
 */
export function Inbox({ listRef }: { listRef: { current: HTMLUListElement | null } }) {
  const { desk, ct } = useDesk();
  const t = useT();
  const conversations = useChat((s) => s.conversations);
  const me = useChat((s) => s.me.userId);
  const error = useChat((s) => s.error);
  const filter = useStore(desk.store, (s) => s.filter);
  const counts = useStore(desk.store, (s) => s.counts);
  const nextCursor = useStore(desk.store, (s) => s.nextCursor);
  const loadingMore = useStore(desk.store, (s) => s.loadingMore);
  const search = useStore(desk.store, (s) => s.search);
  const community = useChat((s) => {
    const id = desk.store.getState().communityId;
    return id ? s.conversations[id] : undefined;
  });
  const communityKnown = useStore(desk.store, (s) => s.communityId);
  const list = useMemo(
    () => visibleConversations(conversations, filter, me),
    [conversations, filter, me],
  );

  const label = (text: string, n: number | undefined) =>
    n === undefined ? (
      text
    ) : (
      <>
        <span aria-hidden="true">
          {text} <span className="shc-count">{n}</span>
        </span>
        <span className="shc-sr">{fill(ct.countOf, { label: text, n })}</span>
      </>
    );

  return (
    <>
      <SearchBox />
      {search ? (
        <SearchResults />
      ) : (
        <>
          <div className="shc-filters">
            <div role="group" aria-label={ct.statusFilter} className="shc-seg">
              {STATUSES.map((s) => (
                <button
                  key={s}
                  type="button"
                  aria-pressed={filter.status === s}
                  onClick={() => void desk.setFilter({ ...filter, status: s })}
                >
                  {label(ct[s], counts?.[s]?.[filter.assignee])}
                </button>
              ))}
            </div>
            <div role="group" aria-label={ct.assigneeFilter} className="shc-seg">
              {ASSIGNEES.map((a) => (
                <button
                  key={a}
                  type="button"
                  aria-pressed={filter.assignee === a}
                  onClick={() => void desk.setFilter({ ...filter, assignee: a })}
                >
                  {label(ct[a], counts?.[filter.status]?.[a])}
                </button>
              ))}
            </div>
          </div>
          {list.length === 0 && !error && <p>{ct.noConversations}</p>}
          <ul ref={listRef}>
            {communityKnown && community && <InboxItem key={community.id} c={community} />}
            {list.map((c) => (
              <InboxItem key={c.id} c={c} />
            ))}
          </ul>
          {nextCursor && (
            <button
              type="button"
              className="shc-more-list"
              disabled={loadingMore}
              onClick={() => void desk.loadMore().catch(() => undefined)}
            >
              {loadingMore ? t.loading : ct.loadMore}
            </button>
          )}
        </>
      )}
    </>
  );
}

function InboxItem({ c }: { c: Conversation }) {
  const ctl = useController();
  const t = useT();
  const { ct } = useDesk();
  const activeId = useChat((s) => s.activeId);
  const online = useOnline(c.assigneeId);
  const name = nameOf(c, ct);
  const unread = c.unreadCount || 0;
  const p = customerOf(c);
  const last = c.lastMessage;
  return (
    <li>
      <button
        type="button"
        data-conversation={c.id}
        className={'shc-conv' + (c.id === activeId ? ' shc-current' : '')}
        aria-current={c.id === activeId ? 'true' : undefined}
        onClick={() => ctl.select(c.id)}
      >
        <Avatar name={name} />
        <span className="shc-conv-body">
          <span className="shc-conv-top">
            <strong>{name}</strong>
            {last && <time dateTime={last.createdAt}>{shortWhen(last.createdAt, ctl.locale)}</time>}
          </span>
          <span className="shc-conv-bottom">
            <span className="shc-last">
              {last?.private && <span className="shc-note-mark">{ct.noteLabel}</span>}
              {preview(last, t) || ct.noMessagesYet}
            </span>
            {unread > 0 && (
              <span className="shc-badge">
                {unread}
                <span className="shc-sr"> {ct.unread}</span>
              </span>
            )}
          </span>
          <span className="shc-conv-meta" hidden={c.type === 'COMMUNITY'}>
            {p && <Presence userIds={[p.userId]} />}
            {c.status === 'snoozed' && c.snoozedUntil && (
              <span>
                {fill(ct.snoozedUntilWhen, {
                  when: new Date(c.snoozedUntil).toLocaleString(ctl.locale, {
                    dateStyle: 'short',
                    timeStyle: 'short',
                  }),
                })}
              </span>
            )}
            <span className="shc-assigned">
              {c.assigneeName ?? ct.nobody}
              {c.assigneeId && !online && <> ({ct.isOffline})</>}
            </span>
          </span>
        </span>
      </button>
    </li>
  );
}

function SearchBox() {
  const { desk, ct } = useDesk();
  const [q, setQ] = useState('');
  const box = useRef<HTMLInputElement>(null);
  const active = useStore(desk.store, (s) => !!s.search);
  return (
    <form
      role="search"
      className="shc-search"
      onSubmit={(e) => {
        e.preventDefault();
        void desk.search(q);
      }}
    >
      <label className="shc-sr" htmlFor="shc-search">
        {ct.search}
      </label>
      <input
        ref={box}
        id="shc-search"
        type="search"
        maxLength={200}
        placeholder={ct.search}
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape' && active) {
            e.stopPropagation();
            setQ('');
            desk.clearSearch();
          }
        }}
      />
      <button type="submit">{ct.searchGo}</button>
      {active && (
        <button
          type="button"
          onClick={() => {
            setQ('');
            desk.clearSearch();
            box.current?.focus();
          }}
        >
          {ct.clearSearch}
        </button>
      )}
    </form>
  );
}

function SearchResults() {
  const ctl = useController();
  const { desk, ct } = useDesk();
  const search = useStore(desk.store, (s) => s.search)!;
  const conversations = useChat((s) => s.conversations);
  const open = (hit: SearchHit) =>
    void desk
      .openHit(hit)
      .catch((err: Error) => ctl.announce(fill(ct.actionFailed, { error: err.message })));
  return (
    <div className="shc-results" aria-busy={search.loading}>
      <h3>
        {search.loading && !search.hits.length
          ? ct.searching
          : fill(search.hits.length === 1 ? ct.results1 : ct.resultsN, { n: search.hits.length })}
      </h3>
      {search.error && (
        <p className="shc-error" role="alert">
          {search.error}
        </p>
      )}
      {!search.loading && !search.error && !search.hits.length && <p>{ct.noResults}</p>}
      <ul>
        {search.hits.map((h) => {
          const c = conversations[h.conversationId];
          const who = c ? nameOf(c, ct) : (h.message.sender?.name ?? '');
          return (
            <li key={h.message.id}>
              <button type="button" className="shc-hit-item" onClick={() => open(h)}>
                <span className="shc-conv-top">
                  <strong>{who}</strong>
                  <time dateTime={h.message.createdAt}>
                    {new Date(h.message.createdAt).toLocaleDateString(ctl.locale, {
                      dateStyle: 'medium',
                    })}
                  </time>
                </span>
                <span className="shc-snippet">
                  {h.message.private && <span className="shc-note-mark">{ct.noteLabel}</span>}
                  {snippetParts(h.snippet, h.highlights).map((p, i) =>
                    p.match ? <mark key={i}>{p.text}</mark> : p.text,
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {search.hasMore && (
        <button type="button" className="shc-more-list" onClick={() => void desk.searchMore()}>
          {ct.moreResults}
        </button>
      )}
    </div>
  );
}
