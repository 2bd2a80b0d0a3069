import { useEffect, useRef, useState } from 'react';
import type { Conversation } from '../protocol';
import { isLocal, type ChatMessage } from '../store/messages';
import { useController } from './context';
import { formatTime, senderLabel } from './format';
import { reactionCount } from '../store/helpers';

export const REACTIONS: [string, string][] = [
  ['👍', 'thumbs up'],
  ['❤️', 'heart'],
  ['😂', 'laughing'],
  ['🎉', 'party'],
];

interface Props {
  message: ChatMessage;
  conversation: Conversation | undefined;
  me: string | null;
  read: boolean;
  /** The newest own message: the only one that shows "Sent" / "Read". */
  latest: boolean;
}

export function Bubble({ message: m, conversation, me, read, latest }: Props) {
  const ctl = useController();
  const [menu, setMenu] = useState(false);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const more = useRef<HTMLButtonElement>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (editing) editor.current?.focus();
  }, [editing]);
  // The menu's buttons disappear when it closes; focus goes back to its toggle, not to nowhere.
  const closeMenu = () => {
    more.current?.focus();
    setMenu(false);
  };
  const own = m.senderId === me;
  const stored = !isLocal(m);
  const deleted = !!m.deletedAt;
  const who = senderLabel(m, conversation, me);
  const actions = stored && !deleted && !editing;

  const stopEditing = () => {
    setEditing(false);
    setTimeout(() => more.current?.focus());
  };

  const save = () => {
    const body = draft.trim();
    stopEditing();
    if (body && body !== m.body) void ctl.edit(m.id, body).catch(() => undefined);
  };

  return (
    <li className={'shc-msg' + (own ? ' shc-own' : '')} data-status={m.status}>
      <div className="shc-meta">
        <span className="shc-who">{who}</span>{' '}
        <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
        {actions && (
          <button
            ref={more}
            type="button"
            className="shc-more"
            aria-expanded={menu}
            aria-label={'Actions for message from ' + who}
            onClick={() => setMenu(!menu)}
          >
            ⋯
          </button>
        )}
      </div>
      {actions && menu && (
        <div
          className="shc-menu"
          role="group"
          aria-label="Message actions"
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              closeMenu();
            }
          }}
        >
          {REACTIONS.map(([emoji, name]) => (
            <button
              type="button"
              key={emoji}
              aria-label={'React with ' + name}
              onClick={() => {
                closeMenu();
                void ctl.react(m.conversationId, m.id, emoji, true);
              }}
            >
              {emoji}
            </button>
          ))}
          {own && (
            <button
              type="button"
              onClick={() => {
                setMenu(false);
                setDraft(m.body ?? '');
                setEditing(true);
              }}
            >
              Edit
            </button>
          )}
          {own && (
            <button
              type="button"
              onClick={() => {
                closeMenu();
                void ctl.remove(m.id).catch(() => undefined);
              }}
            >
              Delete
            </button>
          )}
        </div>
      )}
      {editing ? (
        <div className="shc-edit">
          <label className="shc-sr" htmlFor={'shc-edit-' + m.id}>
            Edit message
          </label>
          <textarea
            id={'shc-edit-' + m.id}
            ref={editor}
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.stopPropagation();
                stopEditing();
              } else if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                save();
              }
            }}
          />
          <button type="button" onClick={save}>
            Save
          </button>
          <button type="button" onClick={stopEditing}>
            Cancel
          </button>
        </div>
      ) : (
        <div className="shc-bubble">
          {deleted ? <em>Message deleted</em> : m.body}
          {!deleted && <Attachments message={m} />}
          {m.editedAt && !deleted && <span className="shc-note"> (edited)</span>}
        </div>
      )}
      {!!m.reactions?.length && (
        <div className="shc-reactions">
          {m.reactions.map((r) => {
            const mine = !!me && r.userIds.includes(me);
            const count = reactionCount(r);
            return (
              <button
                type="button"
                key={r.emoji}
                aria-pressed={mine}
                aria-label={`${r.emoji} ${count}, ${mine ? 'remove your reaction' : 'react'}`}
                onClick={() => void ctl.react(m.conversationId, m.id, r.emoji, !mine)}
              >
                {r.emoji} {count}
              </button>
            );
          })}
        </div>
      )}
      {own && <SendState message={m} read={read} latest={latest} />}
    </li>
  );
}

function SendState(props: { message: ChatMessage; read: boolean; latest: boolean }) {
  const { message: m, read, latest } = props;
  const ctl = useController();
  if (m.status === 'failed') {
    return (
      <div className="shc-state shc-failed">
        Not sent{m.pending?.error ? ': ' + m.pending.error : ''}.{' '}
        <button type="button" onClick={() => ctl.retry(m.conversationId, m.clientId!)}>
          Retry
        </button>
      </div>
    );
  }
  if (m.status === 'sending') return <div className="shc-state">Sending…</div>;
  return latest ? <div className="shc-state">{read ? 'Read' : 'Sent'}</div> : null;
}

function Attachments({ message: m }: { message: ChatMessage }) {
  const ctl = useController();
  const files = m.attachments?.length
    ? m.attachments
    : m.fileUrl
      ? [{ id: m.id, url: m.fileUrl, mimeType: m.mimeType ?? '', width: null, height: null }]
      : [];
  return (
    <>
      {files.map((a) => {
        const href = ctl.rest.fileUrl(a.url);
        return a.mimeType.startsWith('image/') ? (
          <a key={a.id} href={href} target="_blank" rel="noopener noreferrer">
            <img
              className="shc-img"
              src={href}
              alt="Image attachment"
              width={a.width ?? undefined}
              height={a.height ?? undefined}
            />
          </a>
        ) : (
          <a key={a.id} className="shc-file" href={href} target="_blank" rel="noopener noreferrer">
            Download attachment
          </a>
        );
      })}
    </>
  );
}
