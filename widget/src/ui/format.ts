import type { Attachment, Conversation, Message } from '../protocol';
import { fill, type Strings } from './strings';

/** "9:33 PM" or "21:33", as the viewer's locale writes it (no leading zero where it has none). */
export function formatTime(iso: string, locale?: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime())
    ? ''
    : d.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

const dayKey = (d: Date) => d.getFullYear() * 400 + d.getMonth() * 32 + d.getDate();

/** The local calendar day of `iso`, to group messages under one separator. */
export function dayOf(iso: string): number {
  return dayKey(new Date(iso));
}

/** "Today", "Yesterday", "Monday 23 November" (with the year when it is not this year). */
export function dayLabel(iso: string, t: Strings, locale?: string, now = new Date()): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  const today = dayKey(now);
  const yesterday = dayKey(new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1));
  const k = dayKey(d);
  if (k === today) return t.today;
  if (k === yesterday) return t.yesterday;
  return d.toLocaleDateString(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** Inbox times: the time today, else a short date. */
export function shortWhen(iso: string, locale?: string, now = new Date()): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  return dayKey(d) === dayKey(now)
    ? formatTime(iso, locale)
    : d.toLocaleDateString(locale, { day: 'numeric', month: 'short' });
}

const isStaff = (role: string | null | undefined) => role === 'AGENT' || role === 'OWNER';

/** Staff speak for the business: "Northwind Bikes • Alice". */
export function senderLabel(
  m: Message,
  conv: Conversation | undefined,
  me: string | null,
  t: Strings,
): string {
  if (m.senderId === me) return t.you;
  const name = m.sender?.name || (isStaff(m.sender?.role) ? t.staff : t.customer);
  if (isStaff(m.sender?.role)) return (conv?.businessName || t.business) + ' • ' + name;
  return name;
}

/** The text of a message in one line: its body, else its file names. */
export function preview(m: Message | null, t: Strings): string {
  if (!m) return '';
  if (m.deletedAt) return t.deleted;
  if (m.body) return m.body;
  return filesOf(m)
    .map((a) => a.fileName || t.attachment)
    .join(', ');
}

/** The start of `text`, at most `max` characters. */
export const excerpt = (text: string, max = 40) =>
  text.length > max ? text.slice(0, max - 1).trimEnd() + '…' : text;

/** The customer of a conversation, as staff see it in the inbox. */
export function customerOf(conv: Conversation) {
  return conv.participants?.find((p) => p.role === 'CUSTOMER');
}

export function staffOf(conv: Conversation | undefined) {
  return conv?.participants?.filter((p) => isStaff(p.role)) ?? [];
}

export function typingText(names: (string | null)[], t: Strings): string {
  const shown = names.map((n) => n || t.someone);
  if (shown.length === 0) return '';
  if (shown.length === 1) return fill(t.typing1, { a: shown[0] });
  return fill(t.typingN, { a: shown.slice(0, -1).join(', '), b: shown[shown.length - 1] });
}

/** A message's files: its attachments, or the single `fileUrl` of an older message. */
export function filesOf(m: Message): Attachment[] {
  if (m.attachments?.length) return m.attachments;
  if (!m.fileUrl) return [];
  const id = /attachments\/(\d+)/.exec(m.fileUrl)?.[1] ?? m.id;
  const a = { id, url: m.fileUrl, mimeType: m.mimeType ?? '', sizeBytes: 0 };
  return [{ ...a, width: null, height: null, fileName: null }];
}

/** "1.4 MB", "820 KB", "12 B". */
export function fileSize(bytes: number): string {
  if (!bytes) return '';
  if (bytes < 1024) return bytes + ' B';
  const kb = bytes / 1024;
  return kb < 1024 ? Math.round(kb) + ' KB' : (kb / 1024).toFixed(1) + ' MB';
}

/** "PDF", "PNG", "TXT": the name's extension, else the type's subtype. */
export function fileKind(a: Attachment): string {
  const ext = /\.(\w{1,8})$/.exec(a.fileName ?? '')?.[1];
  return (ext || a.mimeType.split('/')[1]?.split(/[+.;-]/)[0] || 'file').toUpperCase();
}

/** Up to two initials of a name: "Northwind Bikes • Alice" → "A", "Casey Jones" → "CJ". */
export function initials(name: string): string {
  const own = name.split(' • ').pop() ?? name;
  const words = own.trim().split(/\s+/).filter(Boolean);
  return (
    words
      .slice(0, 2)
      .map((w) => [...w][0])
      .join('')
      .toUpperCase() || '?'
  );
}

/** Splits text into plain runs and web links (http, https, www.). */
export function linkify(text: string): (string | { href: string; text: string })[] {
  const out: (string | { href: string; text: string })[] = [];
  let at = 0;
  for (const m of text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,;:!?)\]'’]/gi)) {
    const i = m.index ?? 0;
    if (i > at) out.push(text.slice(at, i));
    out.push({ href: /^www\./i.test(m[0]) ? 'https://' + m[0] : m[0], text: m[0] });
    at = i + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
