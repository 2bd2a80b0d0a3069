import { useChat, useT } from './context';

/** A dot and a word: colour alone would not tell every user whether someone is online. */
export function Presence({ userIds, label }: { userIds: string[]; label?: string }) {
  const t = useT();
  const online = useChat((s) => userIds.some((id) => s.presence[id] === 'online'));
  return (
    <span className={'shc-presence' + (online ? ' shc-online' : '')}>
      <span className="shc-dot" aria-hidden="true" />
      {(label ? label + ' ' : '') + (online ? t.online : t.offline)}
    </span>
  );
}
