import { useLayoutEffect, useMemo, useRef } from 'react';
import { compareIds } from '../protocol';
import { isLocal } from '../store/messages';
import { emptyThread } from '../store/state';
import { Bubble } from './Bubble';
import { useChat, useController, useT } from './context';
import { dayLabel, dayOf } from './format';

/** Messages from one sender less than this apart share one name label. */
const GROUP_MS = 5 * 60_000;

const NEAR_EDGE_PX = 80;
const EMPTY = emptyThread();

/** The conversation history: a polite live log, growing upwards as older pages load. */
export function MessageList({ conversationId }: { conversationId: string }) {
  const ctl = useController();
  const t = useT();
  const agent = useChat((s) => s.mode === 'agent');
  const thread = useChat((s) => s.threads[conversationId]) ?? EMPTY;
  const conversation = useChat((s) => s.conversations[conversationId]);
  const me = useChat((s) => s.me.userId);
  const reads = useChat((s) => s.reads[conversationId]);
  const ref = useRef<HTMLDivElement>(null);
  const last = useRef({ height: 0, first: '', newest: '', atBottom: true });

  // The newest own message that someone else has read carries the "Read" mark.
  const readId = useMemo(() => {
    const cursors = Object.values(reads ?? {});
    if (!cursors.length) return null;
    const max = cursors.reduce((a, b) => (compareIds(a, b) > 0 ? a : b));
    const own = thread.messages.filter(
      (m) => m.senderId === me && !isLocal(m) && compareIds(m.id, max) <= 0,
    );
    return own.length ? own[own.length - 1].id : null;
  }, [reads, thread.messages, me]);

  const latestOwnId = useMemo(() => {
    for (let i = thread.messages.length - 1; i >= 0; i--) {
      const m = thread.messages[i];
      if (m.senderId === me && !isLocal(m)) return m.id;
    }
    return null;
  }, [thread.messages, me]);

  // Keep the reader's place: stick to the bottom for new messages, hold position when history
  // is prepended above.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const first = thread.messages[0]?.id ?? '';
    const newest = thread.messages[thread.messages.length - 1];
    const prev = last.current;
    // Sending jumps to the bottom; an edit or reaction further up never moves the reader.
    const sentNow =
      !!newest && newest.senderId === me && (newest.clientId ?? newest.id) !== prev.newest;
    if (prev.first && first !== prev.first && !prev.atBottom) {
      el.scrollTop += el.scrollHeight - prev.height;
    } else if (prev.atBottom || sentNow) {
      el.scrollTop = el.scrollHeight;
    }
    last.current = {
      height: el.scrollHeight,
      first,
      newest: newest ? (newest.clientId ?? newest.id) : '',
      atBottom: isAtBottom(el),
    };
  }, [thread.messages, me]);

  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    last.current = { ...last.current, height: el.scrollHeight, atBottom: isAtBottom(el) };
    if (el.scrollTop < NEAR_EDGE_PX && thread.hasMore && !thread.loading) {
      void ctl.loadOlder(conversationId);
    }
  };

  return (
    <div className="shc-history">
      {thread.loaded && thread.hasMore && (
        <button
          type="button"
          className="shc-older"
          disabled={thread.loading}
          onClick={() => void ctl.loadOlder(conversationId)}
        >
          {thread.loading ? t.loading : t.loadEarlier}
        </button>
      )}
      <div
        className="shc-log"
        ref={ref}
        role="region"
        aria-label={t.history}
        tabIndex={0}
        onScroll={onScroll}
        onLoadCapture={() => {
          // Images change the height after layout; stay at the bottom if the reader was there.
          const el = ref.current;
          if (el && last.current.atBottom) el.scrollTop = el.scrollHeight;
        }}
      >
        <ol className="shc-list">
          {thread.loaded && thread.messages.length === 0 && (
            <li className="shc-empty">
              {agent ? (
                t.empty
              ) : (
                <>
                  <strong>{t.greeting}</strong> {t.greetingBody}
                </>
              )}
            </li>
          )}
          {thread.messages.map((m, i) => {
            const prev = thread.messages[i - 1];
            const newDay = !prev || dayOf(prev.createdAt) !== dayOf(m.createdAt);
            const grouped =
              !newDay &&
              prev.senderId === m.senderId &&
              Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;
            const key = m.clientId && m.senderId === me ? m.clientId : m.id;
            return [
              newDay && (
                <li key={'d' + key} className="shc-day">
                  <h3>{dayLabel(m.createdAt, t, ctl.locale)}</h3>
                </li>
              ),
              <Bubble
                key={key}
                message={m}
                conversation={conversation}
                me={me}
                first={!grouped}
                read={m.id === readId}
                latest={m.id === latestOwnId}
              />,
            ];
          })}
        </ol>
      </div>
    </div>
  );
}

function isAtBottom(el: HTMLElement): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_EDGE_PX;
}
