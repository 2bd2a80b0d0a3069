import { useEffect } from 'react';
import { Composer, type UseComposerAddon } from './Composer';
import { useChat, useController, useT } from './context';
import { typingText } from './format';
import { fill } from './strings';
import { MessageList } from './MessageList';

/**
 * One conversation: history, live status line and composer (none when `readOnly`: a customer's
 * past conversation). Marks messages read while shown.
 */
export function Thread({
  conversationId,
  visible,
  readOnly,
  useAddon,
}: {
  conversationId: string;
  visible: boolean;
  readOnly?: boolean;
  useAddon?: UseComposerAddon;
}) {
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
      {!readOnly && <Composer conversationId={conversationId} useAddon={useAddon} />}
    </div>
  );
}

/**
 * Typing and connection state, announced politely as they change; offline is a banner. The
 * customer also reads who is answering and what the desk did with the conversation.
 */
function StatusLine({ conversationId }: { conversationId: string }) {
  const t = useT();
  const typists = useChat((s) => s.typing[conversationId]);
  const conv = useChat((s) =>
    s.mode === 'customer' ? s.conversations[conversationId] : undefined,
  );
  const desk =
    conv?.status === 'resolved' ? t.resolvedNote : conv?.status === 'pending' ? t.pendingNote : '';
  const status = useChat((s) => s.connection.status);
  const typing = typingText(
    (typists ?? []).map((x) => x.name),
    t,
  );
  const conn = status === 'online' ? '' : t[status === 'offline' ? 'offlineBanner' : status];
  return (
    <div className="shc-status" role="status" aria-live="polite">
      {conv?.assigneeName && (
        <span className="shc-answering">{fill(t.answering, { name: conv.assigneeName })}</span>
      )}
      {desk && <span className="shc-notice">{desk}</span>}
      {typing && <span className="shc-typing">{typing}</span>}
      {conn && <span className={'shc-conn shc-' + status}>{conn}</span>}
    </div>
  );
}
