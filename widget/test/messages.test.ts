import { describe, expect, it } from 'vitest';
import { compareIds } from '../src/protocol';
import {
  lastStoredId,
  localId,
  mergeMessage,
  mergeMessages,
  type ChatMessage,
} from '../src/store/messages';
import { message } from './fakes';

const pending = (clientId: string): ChatMessage => ({
  ...message(localId(clientId), { clientId, senderId: '1001' }),
  status: 'sending',
  pending: { body: 'hi' },
});

describe('compareIds', () => {
  it('orders decimal strings numerically beyond 2^53', () => {
    expect(compareIds('9', '10')).toBeLessThan(0);
    expect(compareIds('9007199254740993', '9007199254740992')).toBeGreaterThan(0);
    expect(compareIds('42', '42')).toBe(0);
  });
});

describe('mergeMessage', () => {
  it('keeps id order whatever the arrival order', () => {
    const list = mergeMessages([], [message('3'), message('1'), message('2')]);
    expect(list.map((m) => m.id)).toEqual(['1', '2', '3']);
  });

  it('never duplicates a message delivered twice (ack, echo, resume, REST page)', () => {
    const list = mergeMessages([], [message('5'), message('5'), message('4'), message('5')]);
    expect(list.map((m) => m.id)).toEqual(['4', '5']);
  });

  it('replaces the optimistic copy with the stored message of the same clientId', () => {
    let list = mergeMessage([], message('1'));
    list = [...list, pending('c1')];
    list = mergeMessage(list, message('2', { clientId: 'c1', senderId: '1001' }));
    expect(list.map((m) => m.id)).toEqual(['1', '2']);
    expect(list[1].status).toBe('sent');
  });

  it('keeps optimistic messages after stored ones', () => {
    const list = mergeMessage([message('1') as ChatMessage, pending('c1')], message('7'));
    expect(list.map((m) => m.id)).toEqual(['1', '7', localId('c1')]);
    expect(lastStoredId(list)).toBe('7');
  });

  it('applies edits and soft deletes in place', () => {
    let list = mergeMessages([], [message('1'), message('2')]);
    list = mergeMessage(list, message('1', { body: '', deletedAt: '2026-11-25T11:00:00Z' }));
    expect(list.map((m) => m.id)).toEqual(['1', '2']);
    expect(list[0].deletedAt).toBeTruthy();
  });
});
