import { useLayoutEffect, useRef } from 'react';
import { totalUnread } from '../store/state';
import { Announcer } from './Announcer';
import { Avatar } from './Avatar';
import { useChat, useController, useT } from './context';
import { staffOf } from './format';
import { BellIcon, ChatIcon, CloseIcon } from './icons';
import { Presence } from './Presence';
import { fill } from './strings';
import { panel as view } from './panel';

const FOCUSABLE = 'button:not([disabled]),[href],textarea,input,[tabindex="0"]';
const media = (q: string) => typeof matchMedia === 'function' && matchMedia(q).matches;

/** Customer mode: a launcher with an unread badge that opens the chat with one business. */
export function CustomerApp({ title }: { title?: string }) {
  const ctl = useController();
  const t = useT();
  const open = useChat((s) => s.open && s.styled);
  const unread = useChat(totalUnread);
  const activeId = useChat((s) => s.activeId);
  const conv = useChat((s) => (s.activeId ? s.conversations[s.activeId] : undefined));
  const error = useChat((s) => s.error);
  const me = useChat((s) => s.me.userId);
  const status = useChat((s) => s.connection.status);
  const alerts = useChat((s) => s.alerts);
  const presenceIds = useChat((s) => Object.keys(s.presence).join(','));
  const launcher = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const wasOpen = useRef(false);
  // Full screen on a phone: then the panel is modal and keeps focus inside it.
  const full = media('(max-width:480px)');

  // Focus moves into the panel on open and back to the launcher on close. On a touch screen it
  // goes to the panel itself, so the on-screen keyboard does not cover the conversation.
  useLayoutEffect(() => {
    if (open && !wasOpen.current) {
      const box = panel.current?.querySelector<HTMLElement>('textarea');
      if (box && !media('(pointer:coarse)')) box.focus();
      else panel.current?.focus();
    } else if (!open && wasOpen.current) launcher.current?.focus();
    wasOpen.current = open && !!activeId;
  }, [open, activeId]);

  const trap = (e: KeyboardEvent) => {
    if (e.key === 'Escape') return ctl.setOpen(false);
    if (e.key !== 'Tab' || !media('(max-width:480px)') || !panel.current) return;
    const all = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const active = (panel.current.getRootNode() as ShadowRoot).activeElement;
    const edge = e.shiftKey ? all[0] : all[all.length - 1];
    if (active === edge || active === panel.current) {
      e.preventDefault();
      (e.shiftKey ? all[all.length - 1] : all[0])?.focus();
    }
  };

  const staffIds = [
    ...staffOf(conv).map((p) => p.userId),
    ...presenceIds.split(',').filter((id) => id && id !== me),
  ];
  const name = title || conv?.businessName || 'Chat';
  const badge = unread > 0 ? ', ' + fill(unread === 1 ? t.unread1 : t.unreadN, { n: unread }) : '';

  return (
    <div className="shc-customer">
      <Announcer />
      {open && (
        <div
          ref={panel}
          className="shc-panel"
          role="dialog"
          aria-modal={full ? 'true' : undefined}
          aria-labelledby="shc-title"
          tabIndex={-1}
          onKeyDown={trap}
        >
          <div className="shc-header">
            <Avatar name={name} />
            <div className="shc-head">
              <h2 id="shc-title">{name}</h2>
              {status === 'online' || status === 'connecting' ? (
                <span className="shc-sub">
                  <Presence userIds={staffIds} label={t.staff} />
                  {t.replyTime && <span className="shc-reply"> · {t.replyTime}</span>}
                </span>
              ) : (
                <span className="shc-sub shc-warn">
                  {status === 'offline' ? t.youOffline : t.reconnecting}
                </span>
              )}
            </div>
            <button
              type="button"
              className="shc-icon shc-btn"
              aria-pressed={alerts}
              aria-label={t.alerts}
              title={t.alerts}
              onClick={() => ctl.setAlerts(!alerts)}
            >
              <BellIcon />
            </button>
            <button
              type="button"
              className="shc-icon shc-btn"
              aria-label={t.close}
              onClick={() => ctl.setOpen(false)}
            >
              <CloseIcon />
            </button>
          </div>
          {error && (
            <p className="shc-error" role="alert">
              {error}
            </p>
          )}
          {activeId && view.Thread ? (
            <view.Thread conversationId={activeId} visible={open} />
          ) : (
            !error && <p>{t.loading}</p>
          )}
        </div>
      )}
      <button
        ref={launcher}
        type="button"
        className="shc-launcher shc-btn"
        aria-expanded={open}
        aria-label={fill(open ? t.closeChatWith : t.chatWith, { name }) + badge}
        onClick={() => ctl.setOpen(!open)}
        onKeyDown={(e) => e.key === 'Escape' && ctl.setOpen(false)}
      >
        {open ? <CloseIcon size={26} /> : <ChatIcon />}
        {unread > 0 && (
          <span className="shc-badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
    </div>
  );
}
