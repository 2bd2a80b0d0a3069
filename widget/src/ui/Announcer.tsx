import { useChat } from './context';

/**
 * The one place the widget speaks to screen readers about messages: a visually hidden polite log
 * that receives one sentence per incoming message or failure. It lives outside the panel, so it
 * speaks while the panel is closed too, and the visible history (with its menus, chips and
 * buttons) is never read out as it changes.
 */
export function Announcer() {
  const lines = useChat((s) => s.announcements);
  return (
    <div className="shc-sr shc-announcer" role="log" aria-live="polite" aria-relevant="additions">
      {lines.map((l) => (
        <p key={l.id}>{l.text}</p>
      ))}
    </div>
  );
}
