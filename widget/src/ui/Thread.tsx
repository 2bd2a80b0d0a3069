import { useEffect } from 'react';
import { Composer } from './Composer';
import { useChat, useController } from './context';
import { typingText } from './format';
import { MessageList } from './MessageList';

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  online: '',
  reconnecting: 'Connection lost. Reconnecting…',
  offline: 'You are offline. Messages will be sent when the connection returns.',
};

/** One conversation: history, live status line and composer. Marks messages read while shown. */
export function Thread({ conversationId, visible }: { conversationId: string; visible: boolean }) {
  const ctl = useController();
  const messages = useChat((s) => s.threads[conversationId]?.messages);
  const unread = useChat((s) => s.conversations[conversationId]?.unreadCount ?? 0);

  useEffect(() => {
    if (!visible) return;
    const mark = () => document.visibilityState !== 'hidden' && ctl.markRead(conversationId);
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [ctl, conversationId, visible, messages, unread]);

  return (
    <div className="shc-thread">
      <MessageList conversationId={conversationId} />
      <StatusLine conversationId={conversationId} />
      <Composer conversationId={conversationId} />
    </div>
  );
}

/** Typing and connection state, announced politely as they change. */
function StatusLine({ conversationId }: { conversationId: string }) {
  const typists = useChat((s) => s.typing[conversationId]);
  const status = useChat((s) => s.connection.status);
  const typing = typingText((typists ?? []).map((t) => t.name));
  return (
    <div className="shc-status" role="status" aria-live="polite">
      {typing && <span className="shc-typing">{typing}</span>}
      {CONNECTION_TEXT[status] && <span className="shc-conn">{CONNECTION_TEXT[status]}</span>}
    </div>
  );
}
