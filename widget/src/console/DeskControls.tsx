import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { Conversation, DeskStatus } from '../protocol';
import { useChat, useController, useT } from '../ui/context';
import { fill } from '../ui/strings';
import { useDesk } from './context';

/** Local `datetime-local` value for a date: "2026-12-02T09:30". */
const localInput = (d: Date) =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

/** Whether a staff member is online now: live presence first, else the staff list's answer. */
export function useOnline(userId: string | null | undefined): boolean {
  const { desk } = useDesk();
  const listed = useStore(desk.store, (s) => s.staff.find((m) => m.userId === userId)?.online);
  const live = useChat((s) => (userId ? s.presence[userId] : undefined));
  return live ? live === 'online' : !!listed;
}

/**
 * A conversation's status and assignee. The status buttons stay in place whatever the status
 * (the current one is pressed), so focus stays on the button just used; snoozing asks for a time
 * in a small form and then returns focus to its button. Every change is announced.
 */
export function DeskControls({ conversation: c }: { conversation: Conversation }) {
  const ctl = useController();
  const { desk, ct } = useDesk();
  const staff = useStore(desk.store, (s) => s.staff);
  const me = useChat((s) => s.me.userId);
  const [snoozing, setSnoozing] = useState(false);
  const [until, setUntil] = useState('');
  const [error, setError] = useState('');
  const snoozeBtn = useRef<HTMLButtonElement>(null);
  const when = useRef<HTMLInputElement>(null);
  const status = c.status ?? 'open';
  const online = useOnline(c.assigneeId);
  // The list only picks; the Assign button applies, so arrowing through a closed list with the
  // keyboard does not assign the conversation to everyone on the way.
  const [pick, setPick] = useState(c.assigneeId ?? '');
  useEffect(() => setPick(c.assigneeId ?? ''), [c.assigneeId, c.id]);

  useEffect(() => {
    if (snoozing) when.current?.focus();
  }, [snoozing]);

  const run = (p: Promise<void>) =>
    p.then(
      () => setError(''),
      (err: Error) => {
        setError(fill(ct.actionFailed, { error: err.message }));
        ctl.announce(fill(ct.actionFailed, { error: err.message }));
      },
    );

  const set = (s: DeskStatus) => {
    if (s === status && s !== 'snoozed') return;
    if (s === 'snoozed') {
      setUntil(localInput(new Date(Date.now() + 3600_000)));
      setSnoozing(true);
      return;
    }
    void run(desk.setStatus(c.id, s));
  };

  const snooze = (e: Event) => {
    e.preventDefault();
    const at = new Date(until);
    if (isNaN(at.getTime()) || at.getTime() <= Date.now()) {
      setError(ct.snoozeBad);
      when.current?.focus();
      return;
    }
    setSnoozing(false);
    snoozeBtn.current?.focus();
    void run(desk.setStatus(c.id, 'snoozed', at.toISOString()));
  };

  const buttons: [DeskStatus, string][] = [
    ['open', status === 'open' ? ct.open : ct.reopen],
    ['pending', ct.markPending],
    ['snoozed', ct.snooze],
    ['resolved', ct.resolve],
  ];
  const options =
    staff.some((m) => m.userId === c.assigneeId) || !c.assigneeId
      ? staff
      : [
          ...staff,
          { userId: c.assigneeId, name: c.assigneeName ?? null, role: 'AGENT' as const, online },
        ];

  return (
    <div className="shc-desk-controls">
      <p className="shc-desk-state">
        <strong className={'shc-status-tag shc-st-' + status}>
          {fill(ct.statusOf, { status: ct[status] })}
        </strong>
        {status === 'snoozed' && c.snoozedUntil && (
          <span>
            {' '}
            {fill(ct.snoozedUntilWhen, {
              when: new Date(c.snoozedUntil).toLocaleString(ctl.locale, {
                dateStyle: 'medium',
                timeStyle: 'short',
              }),
            })}
          </span>
        )}
        {c.assigneeId && !online && (
          <span className="shc-away-tag">
            <span aria-hidden="true">⚠ </span>
            {fill(ct.offlineAssignee, { name: c.assigneeName ?? ct.colleague })}
          </span>
        )}
      </p>
      <div className="shc-toolbar" role="group" aria-label={ct.conversationActions}>
        {buttons.map(([s, label]) => (
          <button
            key={s}
            ref={s === 'snoozed' ? snoozeBtn : undefined}
            type="button"
            aria-pressed={status === s}
            onClick={() => set(s)}
          >
            {label}
          </button>
        ))}
        <label className="shc-assign">
          <span>{ct.assignee}</span>
          <select value={pick} onChange={(e) => setPick((e.target as HTMLSelectElement).value)}>
            <option value="">{ct.nobody}</option>
            {options.map((m) => (
              <StaffOption key={m.userId} userId={m.userId} name={m.name} me={me} />
            ))}
          </select>
        </label>
        {/* Not `disabled`: the button keeps focus once its change is applied. */}
        <button
          type="button"
          aria-disabled={pick === (c.assigneeId ?? '')}
          onClick={() => pick !== (c.assigneeId ?? '') && void run(desk.assign(c.id, pick || null))}
        >
          {ct.assign}
        </button>
      </div>
      {snoozing && (
        <form className="shc-snooze" onSubmit={snooze}>
          <label>
            {ct.snoozeUntil}{' '}
            <input
              ref={when}
              type="datetime-local"
              value={until}
              min={localInput(new Date())}
              max={localInput(new Date(Date.now() + 365 * 86400_000))}
              onInput={(e) => setUntil((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  e.stopPropagation();
                  setSnoozing(false);
                  snoozeBtn.current?.focus();
                }
              }}
            />
          </label>
          <button type="submit" className="shc-primary">
            {ct.snoozeGo}
          </button>
          <button
            type="button"
            onClick={() => {
              setSnoozing(false);
              snoozeBtn.current?.focus();
            }}
          >
            {ct.cancel}
          </button>
        </form>
      )}
      {error && (
        <p className="shc-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function StaffOption({
  userId,
  name,
  me,
}: {
  userId: string;
  name: string | null;
  me: string | null;
}) {
  const { ct } = useDesk();
  const t = useT();
  const online = useOnline(userId);
  const label = (name ?? userId) + (userId === me ? ' (' + t.you + ')' : '');
  return (
    <option value={userId}>
      {label} — {online ? ct.isOnline : ct.isOffline}
    </option>
  );
}
