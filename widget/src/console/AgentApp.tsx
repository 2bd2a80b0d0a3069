import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Conversation } from '../protocol';
import { sortedConversations } from '../store/state';
import { Announcer } from '../ui/Announcer';
import { Avatar } from '../ui/Avatar';
import { useChat, useController, useT } from '../ui/context';
import { customerOf, preview, shortWhen } from '../ui/format';
import { Presence } from '../ui/Presence';
import { fill } from '../ui/strings';
import { Thread } from '../ui/Thread';
import { CONSOLE_CSS } from './styles';
import { CONSOLE_STRINGS, type ConsoleStrings } from './strings';

function useConsoleT(): ConsoleStrings {
  const t = useT() as unknown as Partial<ConsoleStrings>;
  return useMemo(() => ({ ...CONSOLE_STRINGS, ...t }), [t]);
}

const nameOf = (c: Conversation, ct: ConsoleStrings) => {
  const p = customerOf(c);
  return p?.name || fill(ct.customerN, { id: p?.userId ?? c.id });
};

/**
 * Agent mode: the business inbox (newest activity first), the selected thread, and a pane with
 * the customer's details. One column below 640 px, so it reflows down to 320 px.
 * Alt+↓ / Alt+↑ move between conversations, "/" goes to the reply box, Escape back to the inbox.
 */
export function AgentApp() {
  const ctl = useController();
  const t = useT();
  const ct = useConsoleT();
  const conversations = useChat((s) => s.conversations);
  const activeId = useChat((s) => s.activeId);
  const error = useChat((s) => s.error);
  const list = useMemo(() => sortedConversations(conversations), [conversations]);
  const [details, setDetails] = useState(false);
  const inbox = useRef<HTMLUListElement>(null);
  const lastActive = useRef<string | null>(null);
  const main = useRef<HTMLElement>(null);

  // Closing a thread returns focus to its entry in the inbox.
  useLayoutEffect(() => {
    if (!activeId && lastActive.current) {
      inbox.current
        ?.querySelector<HTMLElement>(`[data-conversation="${lastActive.current}"]`)
        ?.focus();
    }
    if (activeId) {
      lastActive.current = activeId;
      main.current?.querySelector<HTMLElement>('textarea')?.focus();
    }
  }, [activeId]);

  const move = (step: number) => {
    if (!list.length) return;
    const at = list.findIndex((c) => c.id === activeId);
    const next = list[(at + step + list.length) % list.length] ?? list[0];
    ctl.select(next.id);
  };

  useEffect(() => {
    const root = main.current?.getRootNode() as ShadowRoot | undefined;
    const onKey = (e: KeyboardEvent) => {
      const target = root?.activeElement;
      const typing = target?.tagName === 'TEXTAREA' || target?.tagName === 'INPUT';
      if (e.altKey && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
        e.preventDefault();
        move(e.key === 'ArrowDown' ? 1 : -1);
      } else if (e.key === '/' && !typing && !e.altKey && !e.ctrlKey && !e.metaKey) {
        const box = main.current?.querySelector<HTMLElement>('textarea');
        if (box) {
          e.preventDefault();
          box.focus();
        }
      }
    };
    root?.host.addEventListener('keydown', onKey as EventListener);
    return () => root?.host.removeEventListener('keydown', onKey as EventListener);
  });

  const active = activeId ? conversations[activeId] : undefined;
  const customer = active && customerOf(active);

  return (
    <div
      className={
        'shc-agent' + (activeId ? ' shc-has-thread' : '') + (details ? ' shc-show-details' : '')
      }
    >
      <style>{CONSOLE_CSS}</style>
      <Announcer />
      <nav className="shc-inbox" aria-label={ct.conversations}>
        <h2>{ct.inbox}</h2>
        {error && (
          <p className="shc-error" role="alert">
            {error}
          </p>
        )}
        {list.length === 0 && !error && <p>{ct.noConversations}</p>}
        <ul ref={inbox}>
          {list.map((c) => {
            const name = nameOf(c, ct);
            const unread = c.unreadCount || 0;
            const p = customerOf(c);
            return (
              <li key={c.id}>
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
                      {c.lastMessage && (
                        <time dateTime={c.lastMessage.createdAt}>
                          {shortWhen(c.lastMessage.createdAt, ctl.locale)}
                        </time>
                      )}
                    </span>
                    <span className="shc-conv-bottom">
                      <span className="shc-last">
                        {preview(c.lastMessage, t) || ct.noMessagesYet}
                      </span>
                      {unread > 0 && (
                        <span className="shc-badge">
                          {unread}
                          <span className="shc-sr"> {ct.unread}</span>
                        </span>
                      )}
                    </span>
                    {p && <Presence userIds={[p.userId]} />}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
        <details className="shc-keys">
          <summary>{ct.shortcuts}</summary>
          <dl>
            <dt>
              <kbd>Alt</kbd> + <kbd>↓</kbd>
            </dt>
            <dd>{ct.nextConv}</dd>
            <dt>
              <kbd>Alt</kbd> + <kbd>↑</kbd>
            </dt>
            <dd>{ct.prevConv}</dd>
            <dt>
              <kbd>/</kbd>
            </dt>
            <dd>{ct.focusReply}</dd>
            <dt>
              <kbd>Esc</kbd>
            </dt>
            <dd>{ct.closeThread}</dd>
          </dl>
        </details>
      </nav>
      <section
        ref={main}
        className="shc-main"
        aria-label={ct.conversation}
        onKeyDown={(e) => e.key === 'Escape' && ctl.select(null)}
      >
        {active ? (
          <>
            <div className="shc-header">
              <Avatar name={nameOf(active, ct)} />
              <div className="shc-head">
                <h2>{nameOf(active, ct)}</h2>
                {customer && <Presence userIds={[customer.userId]} />}
              </div>
              <button
                type="button"
                className="shc-btn shc-details-toggle"
                aria-expanded={details}
                onClick={() => setDetails(!details)}
              >
                {details ? ct.hideDetails : ct.details}
              </button>
              <button type="button" className="shc-btn" onClick={() => ctl.select(null)}>
                {ct.back}
              </button>
            </div>
            <Thread key={activeId} conversationId={active.id} visible />
          </>
        ) : (
          <p className="shc-placeholder">{ct.selectConversation}</p>
        )}
      </section>
      {active && <Details conversation={active} list={list} ct={ct} />}
    </div>
  );
}

/** Who the customer is: name, presence, when last seen, and their other conversations here. */
function Details({
  conversation: c,
  list,
  ct,
}: {
  conversation: Conversation;
  list: Conversation[];
  ct: ConsoleStrings;
}) {
  const ctl = useController();
  const t = useT();
  const p = customerOf(c);
  const online = useChat((s) => !!p && s.presence[p.userId] === 'online');
  const seen = useChat((s) => (p ? s.lastSeen[p.userId] : undefined));
  const others = list.filter(
    (o) => o.id !== c.id && !!p && o.participants?.some((x) => x.userId === p.userId),
  );
  return (
    <aside className="shc-details" aria-label={ct.details}>
      <h2>{ct.details}</h2>
      <dl>
        <dt>{t.customer}</dt>
        <dd>{nameOf(c, ct)}</dd>
        <dt>{ct.status}</dt>
        <dd>
          {online
            ? ct.onlineNow
            : seen
              ? fill(ct.lastSeen, {
                  when: new Date(seen).toLocaleString(ctl.locale, {
                    dateStyle: 'medium',
                    timeStyle: 'short',
                  }),
                })
              : ct.seenNever}
        </dd>
      </dl>
      <h3>{ct.otherConversations}</h3>
      {others.length ? (
        <ul>
          {others.map((o) => (
            <li key={o.id}>
              <button type="button" className="shc-link" onClick={() => ctl.select(o.id)}>
                {o.businessName} · {preview(o.lastMessage, t) || ct.noMessagesYet}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p>{ct.noOthers}</p>
      )}
    </aside>
  );
}
