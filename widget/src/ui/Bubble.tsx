import { useEffect, useRef, useState } from 'react';
import type { Attachment, Conversation } from '../protocol';
import { isLocal, type ChatMessage } from '../store/messages';
import { Avatar } from './Avatar';
import { useChat, useController, useT } from './context';
import { excerpt, fileKind, fileSize, filesOf, formatTime, linkify, senderLabel } from './format';
import { FileIcon } from './icons';
import { fill, type StringKey } from './strings';
import { reactionCount } from '../store/helpers';

export const REACTIONS: [string, StringKey][] = [
  ['👍', 'thumbsUp'],
  ['❤️', 'heart'],
  ['😂', 'laughing'],
  ['🎉', 'party'],
];

interface Props {
  message: ChatMessage;
  conversation: Conversation | undefined;
  me: string | null;
  /** First of a run from one sender: shows the name, time and avatar. */
  first: boolean;
  read: boolean;
  /** The newest own message: the only one that shows "Sent" / "Read". */
  latest: boolean;
}

export function Bubble({ message: m, conversation, me, first, read, latest }: Props) {
  const ctl = useController();
  const t = useT();
  const [menu, setMenu] = useState<false | 'actions' | 'confirm'>(false);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const item = useRef<HTMLLIElement>(null);
  const more = useRef<HTMLButtonElement>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (editing) editor.current?.focus();
  }, [editing]);
  useEffect(() => {
    if (menu === 'confirm') cancel.current?.focus();
  }, [menu]);
  // The menu's buttons disappear when it closes; focus goes back to its toggle, not to nowhere.
  const closeMenu = () => {
    more.current?.focus();
    setMenu(false);
  };
  const own = m.senderId === me;
  const deleted = !!m.deletedAt;
  const who = senderLabel(m, conversation, me, t);
  const time = formatTime(m.createdAt, ctl.locale);
  const actions = !isLocal(m) && !deleted && !editing;
  const escape = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || !menu) return;
    e.stopPropagation();
    closeMenu();
  };

  const stopEditing = () => {
    setEditing(false);
    setTimeout(() => more.current?.focus());
  };

  const save = () => {
    const body = draft.trim();
    stopEditing();
    if (body && body !== m.body) void ctl.edit(m.id, body).catch(() => undefined);
  };

  const remove = () => {
    // The message stays in place as "Message deleted": focus stays on it, not on the page body.
    item.current?.focus();
    setMenu(false);
    ctl.announce(t.deleted);
    void ctl.remove(m.id).catch(() => undefined);
  };

  const cls =
    'shc-msg' +
    (own ? ' shc-own' : '') +
    (first ? ' shc-first' : '') +
    (deleted ? ' shc-deleted' : '') +
    (editing ? ' shc-editing' : '') +
    (m.private ? ' shc-private' : '');
  return (
    <li ref={item} className={cls} data-status={m.status} data-id={m.id} tabIndex={-1}>
      {first ? (
        <div className="shc-meta">
          {!own && <Avatar name={who} />}
          <span className="shc-who">{who}</span> <time dateTime={m.createdAt}>{time}</time>
          {m.private && <strong className="shc-tag">{t.privateNote}</strong>}
        </div>
      ) : (
        <span className={m.private ? 'shc-meta' : 'shc-sr'}>
          <span className="shc-sr">
            {who}, {time}
          </span>
          {m.private && <strong className="shc-tag">{t.privateNote}</strong>}
        </span>
      )}
      <div className="shc-line">
        {editing ? (
          <div className="shc-edit">
            <label className="shc-sr" htmlFor={'shc-edit-' + m.id}>
              {t.editMessage}
            </label>
            <textarea
              id={'shc-edit-' + m.id}
              ref={editor}
              dir="auto"
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
            <div className="shc-edit-actions">
              <button type="button" onClick={stopEditing}>
                {t.cancel}
              </button>
              <button type="button" className="shc-primary" onClick={save}>
                {t.save}
              </button>
            </div>
          </div>
        ) : (
          <div className={'shc-bubble' + (m.status === 'failed' ? ' shc-bad' : '')} dir="auto">
            {deleted ? (
              <em>{t.deleted}</em>
            ) : (
              linkify(m.body ?? '').map((part, i) =>
                typeof part === 'string' ? (
                  part
                ) : (
                  <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
                    {part.text}
                  </a>
                ),
              )
            )}
            {!deleted && <Attachments message={m} />}
            {m.editedAt && !deleted && <span className="shc-note"> {t.edited}</span>}
          </div>
        )}
        {actions && (
          <button
            ref={more}
            type="button"
            className="shc-more"
            aria-expanded={!!menu}
            aria-label={fill(t.actions, {
              who,
              time,
              text: excerpt(m.body || filesOf(m)[0]?.fileName || t.attachment, 30),
            })}
            onClick={() => setMenu(menu ? false : 'actions')}
            onKeyDown={escape}
          >
            ⋯
          </button>
        )}
        {actions && menu && (
          <div className="shc-menu" role="group" aria-label={t.messageActions} onKeyDown={escape}>
            {menu === 'confirm' ? (
              <>
                <span className="shc-ask">{t.confirmDelete}</span>
                <button type="button" className="shc-danger" onClick={remove}>
                  {t.del}
                </button>
                <button ref={cancel} type="button" onClick={closeMenu}>
                  {t.cancel}
                </button>
              </>
            ) : (
              <>
                {REACTIONS.map(([emoji, name]) => (
                  <button
                    type="button"
                    key={emoji}
                    aria-label={fill(t.react, { name: t[name] })}
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
                    {t.edit}
                  </button>
                )}
                {own && (
                  <button type="button" onClick={() => setMenu('confirm')}>
                    {t.del}
                  </button>
                )}
              </>
            )}
          </div>
        )}
      </div>
      {!!m.reactions?.length && (
        <div className="shc-reactions">
          {m.reactions.map((r) => {
            const mine = !!me && r.userIds.includes(me);
            const n = reactionCount(r);
            return (
              <button
                type="button"
                key={r.emoji}
                aria-pressed={mine}
                aria-label={fill(mine ? t.chipMine : t.chip, { emoji: r.emoji, n })}
                onClick={() => void ctl.react(m.conversationId, m.id, r.emoji, !mine)}
              >
                {r.emoji} {n}
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
  const t = useT();
  const online = useChat((s) => s.connection.status === 'online');
  if (m.status === 'failed') {
    return (
      <div className="shc-state shc-failed">
        {t.notSent}
        {m.pending?.error ? ': ' + m.pending.error : ''}.{' '}
        <button type="button" onClick={() => ctl.retry(m.conversationId, m.clientId!)}>
          {t.retry}
        </button>
      </div>
    );
  }
  if (m.status === 'sending')
    return <div className="shc-state">{online ? t.sending : t.queued}</div>;
  return latest ? <div className="shc-state">{read ? t.read : t.sent}</div> : null;
}

/** A signed link to the file, fetched with the token in a header (never in the URL). */
function useFileUrl(id: string): string | undefined {
  const ctl = useController();
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let live = true;
    ctl.rest.fileUrl(id).then(
      (u) => live && setUrl(u),
      () => undefined,
    );
    return () => void (live = false);
  }, [ctl, id]);
  return url;
}

function Attachments({ message: m }: { message: ChatMessage }) {
  return (
    <>
      {filesOf(m).map((a) => (
        <File key={a.id} a={a} />
      ))}
    </>
  );
}

function File({ a }: { a: Attachment }) {
  const t = useT();
  const href = useFileUrl(a.id);
  const name = a.fileName || t.attachment;
  const meta = [fileKind(a), fileSize(a.sizeBytes)].filter(Boolean).join(' · ');
  return a.mimeType.startsWith('image/') ? (
    <a className="shc-image" href={href} target="_blank" rel="noopener noreferrer">
      <img
        className="shc-img"
        src={href}
        alt={name}
        width={a.width ?? undefined}
        height={a.height ?? undefined}
      />
      <span className="shc-fmeta">{meta}</span>
    </a>
  ) : (
    <a className="shc-file" href={href} target="_blank" rel="noopener noreferrer" download={name}>
      <FileIcon />
      <span>
        <span className="shc-fname">{name}</span>
        <span className="shc-fmeta">{meta}</span>
      </span>
    </a>
  );
}
