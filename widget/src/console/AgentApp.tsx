import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { Conversation } from '../protocol';
import { sortedConversations } from '../store/state';
import { Announcer } from '../ui/Announcer';
import { Avatar } from '../ui/Avatar';
import { useChat, useController, useT } from '../ui/context';
import { customerOf, preview } from '../ui/format';
import { Presence } from '../ui/Presence';
import { fill } from '../ui/strings';
import { Thread } from '../ui/Thread';
import { DeskContext, useDesk as useDeskValue, type DeskContextValue } from './context';
import { Desk } from './desk';
import { useDeskComposer } from './DeskComposer';
import { DeskControls } from './DeskControls';
import { Inbox, nameOf } from './Inbox';
import { Settings } from './Settings';
import { CONSOLE_CSS } from './styles';
import { CONSOLE_STRINGS, type ConsoleStrings } from './strings';

function useConsoleT(): ConsoleStrings {
  const t = useT() as unknown as Partial<ConsoleStrings>;
  return useMemo(() => ({ ...CONSOLE_STRINGS, ...t }), [t]);
}

/** The token's `name` claim (read, not verified: the node verifies). */
function nameFromToken(token: string): string | null {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const name = (JSON.parse(atob(part)) as { name?: unknown }).name;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

/**
 * Agent mode: the business inbox (filtered by status and assignee, with search), the selected
 * thread with its status and assignee controls, and a pane with the customer's details. Owners
 * also get the desk settings. One column below 640 px, so it reflows down to 320 px.
 * Alt+↓ / Alt+↑ move between conversations, "/" goes to the reply box, Escape back to the inbox.
 */
export function AgentApp() {
  const ctl = useController();
  const ct = useConsoleT();
  // Made during the first render, before the controller loads the inbox, so it loads the filter.
  const [value] = useState<DeskContextValue>(() => ({
    desk: new Desk(ctl, ct),
    ct,
    agentName: nameFromToken(ctl.rest.token),
  }));
  useEffect(() => value.desk.start(), [value]);
  return (
    <DeskContext.Provider value={value}>
      <Console />
    </DeskContext.Provider>
  );
}

function Console() {
  const ctl = useController();
  const { desk, ct } = useDeskValue();
  const conversations = useChat((s) => s.conversations);
  const activeId = useChat((s) => s.activeId);
  const role = useChat((s) => s.me.role);
  const filter = useStore(desk.store, (s) => s.filter);
  const focus = useStore(desk.store, (s) => s.focus);
  const focusThread = useChat((s) => (focus ? s.threads[focus.conversationId] : undefined));
  const list = useMemo(() => sortedConversations(conversations), [conversations]);
  const [details, setDetails] = useState(false);
  const [settings, setSettings] = useState(false);
  const inbox = useRef<HTMLUListElement>(null);
  const settingsBtn = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const lastActive = useRef<string | null>(null);
  const main = useRef<HTMLElement>(null);

  // Closing a thread returns focus to its entry in the inbox.
  useLayoutEffect(() => {
    if (!activeId && lastActive.current) {
      // Its entry, or, when it left the filter (resolved, reassigned), the inbox's heading.
      const entry = inbox.current?.querySelector<HTMLElement>(
        `[data-conversation="${lastActive.current}"]`,
      );
      (entry ?? heading.current)?.focus();
    }
    if (activeId) {
      lastActive.current = activeId;
      if (!desk.store.getState().focus)
        main.current?.querySelector<HTMLElement>('textarea')?.focus();
    }
    if (activeId) setSettings(false);
  }, [activeId]);

  // A search hit: its message scrolled into the middle, highlighted, focused and announced.
  useEffect(() => {
    if (!focus || focus.conversationId !== activeId) return;
    const root = main.current;
    const el = root?.querySelector<HTMLElement>(`.shc-log [data-id="${focus.messageId}"]`);
    if (!el) return;
    root?.querySelectorAll('.shc-hit').forEach((x) => x.classList.remove('shc-hit'));
    el.classList.add('shc-hit');
    el.scrollIntoView?.({ block: 'center' });
    el.focus({ preventScroll: true });
    const when = el.querySelector('time')?.getAttribute('datetime');
    ctl.announce(
      fill(ct.inContext, {
        when: when
          ? new Date(when).toLocaleString(ctl.locale, { dateStyle: 'medium', timeStyle: 'short' })
          : '',
      }),
    );
    desk.clearFocus();
  }, [focus, activeId, focusThread]);

  const visible = () =>
    [...(inbox.current?.querySelectorAll<HTMLElement>('[data-conversation]') ?? [])].map(
      (b) => b.dataset.conversation!,
    );
  const move = (step: number) => {
    const ids = visible();
    if (!ids.length) return;
    const at = ids.indexOf(activeId ?? '');
    ctl.select(ids[(at + step + ids.length) % ids.length] ?? ids[0]);
  };

  useEffect(() => {
    const root = main.current?.getRootNode() as ShadowRoot | undefined;
    const onKey = (e: KeyboardEvent) => {
      const target = root?.activeElement;
      const typing =
        target?.tagName === 'TEXTAREA' ||
        target?.tagName === 'INPUT' ||
        target?.tagName === 'SELECT';
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
  const closeSettings = () => {
    setSettings(false);
    setTimeout(() => settingsBtn.current?.focus());
  };

  return (
    <div
      className={
        'shc-agent' +
        (activeId || settings ? ' shc-has-thread' : '') +
        (details ? ' shc-show-details' : '')
      }
    >
      <style>{CONSOLE_CSS}</style>
      <Announcer />
      <nav className="shc-inbox" aria-label={ct.conversations}>
        <div className="shc-inbox-head">
          <h2 ref={heading} tabIndex={-1}>
            {ct.inbox}
            <span className="shc-sr">
              {' '}
              · {ct[filter.status]} · {ct[filter.assignee]}
            </span>
          </h2>
          {role === 'OWNER' && (
            <button
              ref={settingsBtn}
              type="button"
              aria-expanded={settings}
              onClick={() => (settings ? closeSettings() : (ctl.select(null), setSettings(true)))}
            >
              {ct.settings}
            </button>
          )}
        </div>
        <ErrorLine />
        <Inbox listRef={inbox} />
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
        aria-label={settings ? ct.settings : ct.conversation}
        onKeyDown={(e) => e.key === 'Escape' && !settings && ctl.select(null)}
      >
        {settings ? (
          <Settings onClose={closeSettings} />
        ) : active ? (
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
            {active.type !== 'COMMUNITY' && <DeskControls conversation={active} />}
            <Thread key={activeId} conversationId={active.id} visible useAddon={useDeskComposer} />
          </>
        ) : (
          <p className="shc-placeholder">{ct.selectConversation}</p>
        )}
      </section>
      {active && !settings && <Details conversation={active} list={list} ct={ct} />}
    </div>
  );
}

function ErrorLine() {
  const error = useChat((s) => s.error);
  return error ? (
    <p className="shc-error" role="alert">
      {error}
    </p>
  ) : null;
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
                {ct[o.status ?? 'open']} · {preview(o.lastMessage, t) || ct.noMessagesYet}
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
