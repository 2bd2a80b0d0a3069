import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { CannedReply, DeskSettings } from '../protocol';
import { fill } from '../ui/strings';
import { useDesk } from './context';

/**
 * The owner's desk settings (auto-assignment, the per-agent limit, the away message and the
 * expected reply time) and the business's canned replies. Focus starts on the heading; each save
 * confirms in a polite live region; errors are alerts beside the form.
 */
export function Settings({ onClose }: { onClose: () => void }) {
  const { desk, ct } = useDesk();
  const heading = useRef<HTMLHeadingElement>(null);
  const [form, setForm] = useState<DeskSettings | null>(null);
  const [said, setSaid] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    heading.current?.focus();
    desk.loadSettings().then(setForm, (err: Error) => setError(err.message));
  }, [desk]);

  const save = (e: Event) => {
    e.preventDefault();
    if (!form) return;
    setSaid('');
    desk.saveSettings(form).then(
      () => (setError(''), setSaid(ct.saved)),
      (err: Error) => setError(err.message),
    );
  };
  const num = (v: string) => (v.trim() === '' ? null : Number(v));

  return (
    <div
      className="shc-settings"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="shc-settings-head">
        <h2 ref={heading} tabIndex={-1}>
          {ct.settings}
        </h2>
        <button type="button" onClick={onClose}>
          {ct.closeSettings}
        </button>
      </div>
      {error && (
        <p className="shc-error" role="alert">
          {error}
        </p>
      )}
      {form && (
        <form onSubmit={save} className="shc-form">
          <label className="shc-check">
            <input
              type="checkbox"
              checked={form.autoAssign}
              onChange={(e) =>
                setForm({ ...form, autoAssign: (e.target as HTMLInputElement).checked })
              }
            />{' '}
            {ct.autoAssign}
          </label>
          <label>
            {ct.maxOpen}
            <input
              type="number"
              min={1}
              max={1000}
              required
              value={form.maxOpenPerAgent}
              onInput={(e) =>
                setForm({ ...form, maxOpenPerAgent: Number((e.target as HTMLInputElement).value) })
              }
            />
          </label>
          <label>
            {ct.awayMessage}
            <textarea
              rows={3}
              value={form.awayMessage ?? ''}
              onInput={(e) => {
                const v = (e.target as HTMLTextAreaElement).value;
                setForm({ ...form, awayMessage: v.trim() ? v : null });
              }}
            />
          </label>
          <label>
            {ct.replyMinutes}
            <input
              type="number"
              min={1}
              max={10080}
              value={form.expectedReplyMinutes ?? ''}
              onInput={(e) =>
                setForm({
                  ...form,
                  expectedReplyMinutes: num((e.target as HTMLInputElement).value),
                })
              }
            />
          </label>
          <div>
            <button type="submit" className="shc-primary">
              {ct.saveSettings}
            </button>{' '}
            <span role="status">{said}</span>
          </div>
        </form>
      )}
      <CannedManager />
    </div>
  );
}

function CannedManager() {
  const { desk, ct } = useDesk();
  const canned = useStore(desk.store, (s) => s.canned);
  const [editing, setEditing] = useState<Partial<CannedReply> | null>(null);
  const [error, setError] = useState('');
  const [said, setSaid] = useState('');
  const shortcut = useRef<HTMLInputElement>(null);
  const addBtn = useRef<HTMLButtonElement>(null);
  const section = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (editing) shortcut.current?.focus();
  }, [editing?.id, !!editing]);

  const close = () => {
    setEditing(null);
    setTimeout(() => addBtn.current?.focus());
  };

  const save = (e: Event) => {
    e.preventDefault();
    if (!editing) return;
    desk
      .saveCanned({
        id: editing.id,
        shortcut: (editing.shortcut ?? '').trim(),
        body: editing.body ?? '',
      })
      .then(
        () => {
          setError('');
          setSaid(ct.saved);
          close();
        },
        (err: Error) => setError(err.message),
      );
  };

  return (
    <section className="shc-canned-admin" aria-labelledby="shc-canned-h">
      <h3 id="shc-canned-h" ref={section} tabIndex={-1}>
        {ct.cannedManage}
      </h3>
      <span className="shc-sr" role="status">
        {said}
      </span>
      {canned.length === 0 && <p>{ct.noCanned}</p>}
      <ul>
        {canned.map((r) => (
          <li key={r.id}>
            <strong>/{r.shortcut}</strong> <span className="shc-canned-body">{r.body}</span>{' '}
            <button
              type="button"
              aria-label={fill(ct.editCanned, { shortcut: r.shortcut })}
              onClick={() => setEditing(r)}
            >
              {ct.edit}
            </button>{' '}
            <button
              type="button"
              aria-label={fill(ct.deleteCanned, { shortcut: r.shortcut })}
              onClick={() =>
                desk.deleteCanned(r.id).then(
                  () => section.current?.focus(),
                  (err: Error) => setError(err.message),
                )
              }
            >
              {ct.del}
            </button>
          </li>
        ))}
      </ul>
      {error && (
        <p className="shc-error" role="alert">
          {error}
        </p>
      )}
      {editing ? (
        <form onSubmit={save} className="shc-form">
          <h4>
            {editing.id ? fill(ct.editCanned, { shortcut: editing.shortcut ?? '' }) : ct.newCanned}
          </h4>
          <label>
            {ct.shortcut}
            <input
              ref={shortcut}
              required
              pattern="[a-z0-9_\-]{1,32}"
              maxLength={32}
              aria-describedby="shc-shortcut-help"
              value={editing.shortcut ?? ''}
              onInput={(e) =>
                setEditing({ ...editing, shortcut: (e.target as HTMLInputElement).value })
              }
            />
          </label>
          <span id="shc-shortcut-help" className="shc-help">
            {ct.shortcutHelp}
          </span>
          <label>
            {ct.replyText}
            <textarea
              required
              rows={3}
              maxLength={4000}
              value={editing.body ?? ''}
              onInput={(e) =>
                setEditing({ ...editing, body: (e.target as HTMLTextAreaElement).value })
              }
            />
          </label>
          <div>
            <button type="submit" className="shc-primary">
              {ct.saveCanned}
            </button>{' '}
            <button type="button" onClick={close}>
              {ct.cancel}
            </button>
          </div>
        </form>
      ) : (
        <button ref={addBtn} type="button" onClick={() => setEditing({})}>
          {ct.addCanned}
        </button>
      )}
    </section>
  );
}
