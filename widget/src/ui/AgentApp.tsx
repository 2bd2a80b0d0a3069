import { useLayoutEffect, useMemo, useRef } from 'react';
import { sortedConversations } from '../store/state';
import { useChat, useController } from './context';
import { customerOf, formatTime, preview } from './format';
import { Presence } from './Presence';
import { Thread } from './Thread';

/** Agent mode: the business inbox, newest activity first, beside the selected thread. */
export function AgentApp() {
  const ctl = useController();
  const conversations = useChat((s) => s.conversations);
  const activeId = useChat((s) => s.activeId);
  const error = useChat((s) => s.error);
  const list = useMemo(() => sortedConversations(conversations), [conversations]);
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

  const active = activeId ? conversations[activeId] : undefined;
  const activeCustomer = active && customerOf(active);

  return (
    <div className={'shc-agent' + (activeId ? ' shc-has-thread' : '')}>
      <nav className="shc-inbox" aria-label="Conversations">
        <h2>Inbox</h2>
        {error && (
          <p className="shc-error" role="alert">
            {error}
          </p>
        )}
        {list.length === 0 && !error && <p>No conversations yet.</p>}
        <ul ref={inbox}>
          {list.map((c) => {
            const customer = customerOf(c);
            const name = customer?.name || 'Customer ' + (customer?.userId ?? c.id);
            const unread = c.unreadCount || 0;
            return (
              <li key={c.id}>
                <button
                  type="button"
                  data-conversation={c.id}
                  className={'shc-conv' + (c.id === activeId ? ' shc-current' : '')}
                  aria-current={c.id === activeId ? 'true' : undefined}
                  onClick={() => ctl.select(c.id)}
                >
                  <span className="shc-conv-top">
                    <strong>{name}</strong>
                    {c.lastMessage && (
                      <time dateTime={c.lastMessage.createdAt}>
                        {formatTime(c.lastMessage.createdAt)}
                      </time>
                    )}
                  </span>
                  <span className="shc-conv-bottom">
                    <span className="shc-last">{preview(c.lastMessage)}</span>
                    {unread > 0 && (
                      <span className="shc-badge">
                        {unread}
                        <span className="shc-sr"> unread</span>
                      </span>
                    )}
                  </span>
                  {customer && <Presence userIds={[customer.userId]} />}
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <section
        ref={main}
        className="shc-main"
        aria-label="Conversation"
        onKeyDown={(e) => e.key === 'Escape' && ctl.select(null)}
      >
        {activeId ? (
          <>
            <header className="shc-header">
              <div>
                <h2>{activeCustomer?.name || 'Customer'}</h2>
                {activeCustomer && <Presence userIds={[activeCustomer.userId]} />}
              </div>
              <button type="button" className="shc-btn" onClick={() => ctl.select(null)}>
                Back to inbox
              </button>
            </header>
            <Thread key={activeId} conversationId={activeId} visible />
          </>
        ) : (
          <p className="shc-placeholder">Select a conversation.</p>
        )}
      </section>
    </div>
  );
}
