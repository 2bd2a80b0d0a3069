import { useLayoutEffect, useRef } from 'react';
import { totalUnread } from '../store/state';
import { useChat, useController } from './context';
import { staffOf } from './format';
import { ChatIcon } from './icons';
import { Presence } from './Presence';
import { Thread } from './Thread';

/** Customer mode: a launcher with an unread badge that opens the chat with one business. */
export function CustomerApp({ title }: { title?: string }) {
  const ctl = useController();
  const open = useChat((s) => s.open);
  const unread = useChat(totalUnread);
  const activeId = useChat((s) => s.activeId);
  const conv = useChat((s) => (s.activeId ? s.conversations[s.activeId] : undefined));
  const error = useChat((s) => s.error);
  const me = useChat((s) => s.me.userId);
  const presenceIds = useChat((s) => Object.keys(s.presence).join(','));
  const launcher = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);

  // Focus moves into the panel on open and back to the launcher on close.
  useLayoutEffect(() => {
    if (open) panel.current?.querySelector<HTMLElement>('textarea')?.focus();
    else if (wasOpen.current) launcher.current?.focus();
    wasOpen.current = open;
  }, [open, activeId]);

  const staffIds = [
    ...staffOf(conv).map((p) => p.userId),
    ...presenceIds.split(',').filter((id) => id && id !== me),
  ];
  const name = title || conv?.businessName || 'Chat';
  const badge = unread > 0 ? `, ${unread} unread message${unread === 1 ? '' : 's'}` : '';

  return (
    <div className="shc-customer">
      {open && (
        <div
          ref={panel}
          className="shc-panel"
          role="dialog"
          aria-labelledby="shc-title"
          onKeyDown={(e) => e.key === 'Escape' && ctl.setOpen(false)}
        >
          <header className="shc-header">
            <div>
              <h2 id="shc-title">{name}</h2>
              <Presence userIds={staffIds} label="Staff" />
            </div>
            <button
              type="button"
              className="shc-close shc-btn"
              aria-label="Close chat"
              onClick={() => ctl.setOpen(false)}
            >
              ×
            </button>
          </header>
          {error && (
            <p className="shc-error" role="alert">
              {error}
            </p>
          )}
          {activeId ? (
            <Thread conversationId={activeId} visible={open} />
          ) : (
            !error && <p>Loading…</p>
          )}
        </div>
      )}
      <button
        ref={launcher}
        type="button"
        className="shc-launcher shc-btn"
        aria-expanded={open}
        aria-label={(open ? 'Close chat with ' : 'Chat with ') + name + badge}
        onClick={() => ctl.setOpen(!open)}
        onKeyDown={(e) => e.key === 'Escape' && ctl.setOpen(false)}
      >
        <ChatIcon />
        {unread > 0 && (
          <span className="shc-badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
    </div>
  );
}
