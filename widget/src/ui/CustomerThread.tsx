import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Conversation } from '../protocol';
import { useChat, useController, useT } from './context';
import { preview, shortWhen } from './format';
import { fill } from './strings';
import { Thread } from './Thread';

const activity = (c: Conversation) => c.lastMessage?.createdAt ?? c.updatedAt;

/**
 * The customer's past conversations with this business, each readable but closed, in the
 * panel's lazily loaded chunk (who is answering and the status are in the thread's status line).
 */
export function CustomerThread({
  conversationId,
  visible,
}: {
  conversationId: string;
  visible: boolean;
}) {
  const ctl = useController();
  const t = useT();
  const conv = useChat((s) => s.conversations[conversationId]);
  // Kept here, not in the store: past conversations stay out of the launcher's unread badge.
  const [all, setAll] = useState<Conversation[]>([]);
  const [view, setView] = useState<null | 'list' | string>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const back = useRef<HTMLButtonElement>(null);
  const past = useMemo(
    () =>
      all
        .filter((c) => c.id !== conversationId && c.businessId === conv?.businessId)
        .sort((a, b) => (activity(a) < activity(b) ? 1 : -1)),
    [all, conversationId, conv?.businessId],
  );

  useEffect(() => {
    ctl.rest.listConversations().then(
      (p) => setAll(p.items),
      () => undefined,
    );
  }, [ctl, conversationId]);

  // Focus follows the view: the list's heading, the way back, or the button that opened them.
  const was = useRef(view);
  useLayoutEffect(() => {
    if (view === 'list') heading.current?.focus();
    else if (view) back.current?.focus();
    else if (was.current) toggle.current?.focus();
    was.current = view;
  }, [view]);

  const open = (c: Conversation) => {
    ctl.store.setState((s) => ({
      conversations: { ...s.conversations, [c.id]: { ...c, unreadCount: 0 } },
    }));
    if (!ctl.store.getState().threads[c.id]?.loaded) void ctl.loadLatest(c.id);
    setView(c.id);
  };
  const shown = view && view !== 'list' ? past.find((c) => c.id === view) : undefined;

  return (
    <>
      {past.length > 0 && (
        <div className="shc-pastbar">
          {view ? (
            <button ref={back} type="button" className="shc-link" onClick={() => setView(null)}>
              {t.backToChat}
            </button>
          ) : (
            <button ref={toggle} type="button" className="shc-link" onClick={() => setView('list')}>
              {t.past} ({past.length})
            </button>
          )}
        </div>
      )}
      {view === 'list' ? (
        <div className="shc-past">
          <h3 ref={heading} tabIndex={-1}>
            {t.past}
          </h3>
          <ul>
            {past.map((c) => (
              <li key={c.id}>
                <button type="button" className="shc-conv" onClick={() => open(c)}>
                  <time dateTime={activity(c)}>{shortWhen(activity(c), ctl.locale)}</time>{' '}
                  <span className="shc-last">{preview(c.lastMessage, t) || t.empty}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : shown ? (
        <>
          <p className="shc-notice">
            {fill(t.closedOn, { when: shortWhen(activity(shown), ctl.locale) })}
          </p>
          <Thread key={shown.id} conversationId={shown.id} visible={visible} readOnly />
        </>
      ) : (
        <Thread conversationId={conversationId} visible={visible} />
      )}
    </>
  );
}
