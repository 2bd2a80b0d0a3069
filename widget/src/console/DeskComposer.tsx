import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { ComposerAddon, ComposerApi } from '../ui/Composer';
import { useChat } from '../ui/context';
import { customerOf } from '../ui/format';
import { fill } from '../ui/strings';
import { cannedQuery, filterCanned, insertCanned, substitute } from './canned';
import { useDesk } from './context';

/**
 * The console's composer: a switch between replying and writing a private note, and canned
 * replies as an autocomplete on the text box (the ARIA combobox pattern, with the properties a
 * `<textarea>` may carry: HTML gives it the textbox role, which takes `aria-autocomplete`,
 * `aria-controls` and `aria-activedescendant` but not `role=combobox` or `aria-expanded`; the
 * list's state is also spoken by a polite live line). Typing `/` (at the start or after a
 * space) opens a listbox filtered as one types; ↑/↓ choose, Enter or Tab inserts the reply with
 * its variables filled in, Escape closes the list and keeps the text.
 */
export function useDeskComposer({
  conversationId,
  text,
  setText,
  input,
}: ComposerApi): ComposerAddon {
  const { desk, ct, agentName } = useDesk();
  const canned = useStore(desk.store, (s) => s.canned);
  const conv = useChat((s) => s.conversations[conversationId]);
  const [note, setNote] = useState(false);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const q = cannedQuery(text, Math.min(caret, text.length));
  const options = useMemo(() => (q ? filterCanned(canned, q.query) : []), [canned, q?.query]);
  const open = !!q && options.length > 0 && dismissed !== q.start;
  const at = Math.min(active, options.length - 1);
  const listId = 'shc-canned-' + conversationId;
  // A `/` fetches the list again when it is a minute old: owners edit it from elsewhere.
  const asking = !!q;
  useEffect(() => {
    if (asking) desk.freshCanned(60_000);
  }, [asking, desk]);
  const optionId = (i: number) => listId + '-' + i;

  const filled = (body: string) =>
    substitute(body, {
      'customer.name': conv && customerOf(conv)?.name,
      'agent.name': agentName,
      'business.name': conv?.businessName,
    });

  const insert = (i: number) => {
    const r = options[i];
    if (!r || !q) return;
    const body = filled(r.body);
    const next = insertCanned(text, q.start, Math.min(caret, text.length), body);
    setText(next.text, next.caret);
    setCaret(next.caret);
    setActive(0);
  };

  const onKey = (e: KeyboardEvent): boolean => {
    if (!open) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((at + step + options.length) % options.length);
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      setActive(e.key === 'Home' ? 0 : options.length - 1);
    } else if ((e.key === 'Enter' && !e.shiftKey) || (e.key === 'Tab' && !e.shiftKey)) {
      e.preventDefault();
      insert(at);
    } else if (e.key === 'Escape') {
      // Closes the list only: the thread stays open and the text stays as typed.
      e.preventDefault();
      e.stopPropagation();
      setDismissed(q!.start);
    } else return false;
    return true;
  };

  const onText = (value: string, pos: number) => {
    setCaret(pos);
    setActive(0);
    if (dismissed !== null && cannedQuery(value, pos)?.start !== dismissed) setDismissed(null);
  };

  const mode = (n: boolean) => {
    setNote(n);
    input.current?.focus();
  };

  return {
    note,
    onKey,
    onText,
    placeholder: note ? ct.notePlaceholder : undefined,
    attrs: {
      'aria-autocomplete': 'list',
      'aria-controls': listId,
      'aria-activedescendant': open ? optionId(at) : undefined,
      onKeyUp: (e: KeyboardEvent) => {
        const el = e.target as HTMLTextAreaElement;
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End')
          setCaret(el.selectionStart ?? el.value.length);
      },
      onClick: (e: MouseEvent) => {
        const el = e.target as HTMLTextAreaElement;
        setCaret(el.selectionStart ?? el.value.length);
      },
    },
    before: (
      <>
        <div className="shc-modes" role="group" aria-label={ct.composeAs}>
          <button type="button" aria-pressed={!note} onClick={() => mode(false)}>
            {ct.reply}
          </button>
          <button
            type="button"
            className="shc-note-btn"
            aria-pressed={note}
            onClick={() => mode(true)}
          >
            {ct.note}
          </button>
        </div>
        <ul
          id={listId}
          role="listbox"
          aria-label={ct.cannedList}
          className="shc-canned"
          hidden={!open}
        >
          {open &&
            options.map((r, i) => (
              <li
                key={r.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === at}
                className={i === at ? 'shc-active' : undefined}
                onMouseDown={(e) => {
                  // Keep focus (and the caret) in the text box.
                  e.preventDefault();
                  insert(i);
                }}
              >
                <strong>/{r.shortcut}</strong> <span>{filled(r.body)}</span>
              </li>
            ))}
        </ul>
        <span className="shc-sr" aria-live="polite">
          {open
            ? fill(options.length === 1 ? ct.cannedHint1 : ct.cannedHint, { n: options.length })
            : ''}
        </span>
      </>
    ),
  };
}
