import type { Conversation, Message } from '../protocol';

export function formatTime(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

const isStaff = (role: string | null | undefined) => role === 'AGENT' || role === 'OWNER';

/** Staff speak for the business: "Northwind Bikes • Alice". */
export function senderLabel(m: Message, conv: Conversation | undefined, me: string | null): string {
  if (m.senderId === me) return 'You';
  const name = m.sender?.name || (isStaff(m.sender?.role) ? 'Staff' : 'Customer');
  if (isStaff(m.sender?.role)) return (conv?.businessName || 'Business') + ' • ' + name;
  return name;
}

export function preview(m: Message | null): string {
  if (!m) return 'No messages yet';
  if (m.deletedAt) return 'Message deleted';
  if (m.body) return m.body;
  return m.attachments?.length || m.fileUrl ? 'Attachment' : '';
}

/** The customer of a conversation, as staff see it in the inbox. */
export function customerOf(conv: Conversation) {
  return conv.participants?.find((p) => p.role === 'CUSTOMER');
}

export function staffOf(conv: Conversation | undefined) {
  return conv?.participants?.filter((p) => isStaff(p.role)) ?? [];
}

export function typingText(names: (string | null)[]): string {
  const shown = names.map((n) => n || 'Someone');
  if (shown.length === 0) return '';
  if (shown.length === 1) return shown[0] + ' is typing…';
  return shown.slice(0, -1).join(', ') + ' and ' + shown[shown.length - 1] + ' are typing…';
}
