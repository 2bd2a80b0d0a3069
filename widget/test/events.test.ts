import { describe, expect, it } from 'vitest';
import { applyEvent } from '../src/store/events';
import { createChatStore, sortedConversations, totalUnread } from '../src/store/state';
import { conversation, message } from './fakes';

function store() {
  const s = createChatStore('agent');
  s.setState({
    me: { userId: '2001', role: 'AGENT', businessId: '1' },
    conversations: { '10': conversation('10'), '11': conversation('11') },
    threads: { '10': { messages: [], hasMore: false, loading: false, loaded: true } },
  });
  return s;
}

function apply(s: ReturnType<typeof store>, event: Parameters<typeof applyEvent>[1]) {
  const patch = applyEvent(s.getState(), event);
  if (patch) s.setState(patch);
}

describe('applyEvent', () => {
  it('adds a new message to its thread and to the inbox preview', () => {
    const s = store();
    apply(s, { type: 'message.new', message: message('5', { senderId: '1001' }) });
    expect(s.getState().threads['10'].messages.map((m) => m.id)).toEqual(['5']);
    expect(s.getState().conversations['10'].lastMessage?.id).toBe('5');
  });

  it('sorts the inbox by newest activity', () => {
    const s = store();
    apply(s, {
      type: 'message.new',
      message: message('9', { conversationId: '11', createdAt: '2026-11-25T12:00:00Z' }),
    });
    expect(sortedConversations(s.getState().conversations).map((c) => c.id)).toEqual(['11', '10']);
  });

  it('tracks unread counts per conversation', () => {
    const s = store();
    apply(s, { type: 'unread', conversationId: '10', count: 2 });
    apply(s, { type: 'unread', conversationId: '11', count: 1 });
    expect(totalUnread(s.getState())).toBe(3);
    apply(s, { type: 'unread', conversationId: '10', count: 0 });
    expect(totalUnread(s.getState())).toBe(1);
  });

  it('shows typing of others, and clears it when their message lands', () => {
    const s = store();
    apply(s, {
      type: 'typing',
      conversationId: '10',
      userId: '1001',
      name: 'Casey',
      isTyping: true,
    });
    apply(s, { type: 'typing', conversationId: '10', userId: '2001', name: 'Me', isTyping: true });
    expect(s.getState().typing['10']).toEqual([{ userId: '1001', name: 'Casey' }]);
    apply(s, { type: 'message.new', message: message('6', { senderId: '1001' }) });
    expect(s.getState().typing['10']).toEqual([]);
  });

  it('keeps the furthest read cursor of each other user', () => {
    const s = store();
    apply(s, { type: 'read', conversationId: '10', userId: '1001', messageId: '12' });
    apply(s, { type: 'read', conversationId: '10', userId: '1001', messageId: '9' });
    expect(s.getState().reads['10']).toEqual({ '1001': '12' });
  });

  it('records presence and new conversations, ignoring unknown events', () => {
    const s = store();
    apply(s, { type: 'presence', userId: '1001', status: 'online', lastSeenAt: null });
    apply(s, { type: 'conversation.new', conversation: conversation('12') });
    apply(s, { type: 'something.later' } as never);
    expect(s.getState().presence['1001']).toBe('online');
    expect(Object.keys(s.getState().conversations)).toContain('12');
  });
});
