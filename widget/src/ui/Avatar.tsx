import { initials } from './format';

/** Dark tones: white initials on each of them are above 4.5:1. */
const TONES = ['#1e40af', '#047857', '#9d174d', '#6d28d9', '#b45309', '#0e7490', '#374151'];

export function Avatar({ name }: { name: string }) {
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return (
    <span className="shc-avatar" aria-hidden="true" style={{ background: TONES[h % TONES.length] }}>
      {initials(name)}
    </span>
  );
}
