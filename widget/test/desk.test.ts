import { describe, expect, it } from 'vitest';
import { cannedQuery, filterCanned, insertCanned, substitute } from '../src/console/canned';
import {
  emptyCounts,
  inboxQuery,
  inFilter,
  moveCounts,
  visibleConversations,
} from '../src/console/inbox';
import { snippetParts } from '../src/console/search';
import type { CannedReply, Conversation } from '../src/protocol';
import { conversation } from './fakes';

const reply = (id: string, shortcut: string, body: string): CannedReply => ({
  id,
  shortcut,
  body,
  updatedAt: '2026-11-25T09:00:00Z',
});

describe('canned replies', () => {
  it('fills the three variables, with or without spaces inside the braces', () => {
    const body = 'Hi {{customer.name}}, {{ agent.name }} from {{business.name}} here.';
    expect(
      substitute(body, {
        'customer.name': 'Kim',
        'agent.name': 'Alice',
        'business.name': 'Northwind Bikes',
      }),
    ).toBe('Hi Kim, Alice from Northwind Bikes here.');
  });

  it('leaves unknown or empty variables as written, for the agent to edit', () => {
    expect(substitute('Hi {{customer.name}}, {{order.id}}', { 'customer.name': null })).toBe(
      'Hi {{customer.name}}, {{order.id}}',
    );
  });

  it('finds the /shortcut at the caret, only at the start or after a space', () => {
    expect(cannedQuery('/ref', 4)).toEqual({ start: 0, query: 'ref' });
    expect(cannedQuery('Thanks! /Ship', 13)).toEqual({ start: 8, query: 'ship' });
    expect(cannedQuery('/', 1)).toEqual({ start: 0, query: '' });
    expect(cannedQuery('and/or', 6)).toBeNull();
    expect(cannedQuery('/ref now', 8)).toBeNull();
    // The caret inside the shortcut counts what is before it.
    expect(cannedQuery('/refund', 3)).toEqual({ start: 0, query: 're' });
  });

  it('filters prefix matches first, then shortcuts that contain it, then reply texts', () => {
    const list = [
      reply('1', 'shipping', 'Your parcel is on its way'),
      reply('2', 'refund', 'We have refunded your order'),
      reply('3', 'prefund', 'Deposit'),
      reply('4', 'hello', 'Hi there, how can we help with a refund?'),
      reply('5', 'rental', 'Bikes to rent'),
    ];
    expect(filterCanned(list, 're').map((r) => r.shortcut)).toEqual([
      'refund',
      'rental',
      'prefund',
    ]);
    expect(filterCanned(list, 'REF').map((r) => r.shortcut)).toEqual([
      'refund',
      'prefund',
      'hello',
    ]);
    expect(filterCanned(list, '').map((r) => r.shortcut)).toEqual([
      'hello',
      'prefund',
      'refund',
      'rental',
      'shipping',
    ]);
    expect(filterCanned(list, 'zzz')).toEqual([]);
    expect(filterCanned(list, '', 2)).toHaveLength(2);
  });

  it('replaces the typed /shortcut and puts the caret after the inserted text', () => {
    expect(insertCanned('Thanks! /ref and bye', 8, 12, 'Refunded.')).toEqual({
      text: 'Thanks! Refunded. and bye',
      caret: 17,
    });
  });
});

const conv = (id: string, status: Conversation['status'] | undefined, assigneeId: string | null) =>
  ({ ...conversation(id), status, assigneeId }) as Conversation;

describe('inbox filters and counts', () => {
  const me = '2001';
  const counts = () => {
    const c = emptyCounts();
    c.open = { mine: 1, unassigned: 2, all: 4 };
    c.resolved = { mine: 0, unassigned: 5, all: 9 };
    return c;
  };

  it('matches a conversation to the filters it belongs to', () => {
    const b = { status: 'open' as const, assigneeId: me };
    expect(inFilter(b, { status: 'open', assignee: 'mine' }, me)).toBe(true);
    expect(inFilter(b, { status: 'open', assignee: 'all' }, me)).toBe(true);
    expect(inFilter(b, { status: 'open', assignee: 'unassigned' }, me)).toBe(false);
    expect(inFilter(b, { status: 'resolved', assignee: 'all' }, me)).toBe(false);
    expect(inFilter(b, { status: 'open', assignee: 'mine' }, '2002')).toBe(false);
  });

  it('moves a resolved conversation of mine from open to resolved', () => {
    const next = moveCounts(
      counts(),
      { status: 'open', assigneeId: me },
      { status: 'resolved', assigneeId: me },
      me,
    );
    expect(next.open).toEqual({ mine: 0, unassigned: 2, all: 3 });
    expect(next.resolved).toEqual({ mine: 1, unassigned: 5, all: 10 });
  });

  it('moves a reopened unassigned conversation back, and an assignment within open', () => {
    let next = moveCounts(
      counts(),
      { status: 'resolved', assigneeId: null },
      { status: 'open', assigneeId: null },
      me,
    );
    expect(next.resolved).toEqual({ mine: 0, unassigned: 4, all: 8 });
    expect(next.open).toEqual({ mine: 1, unassigned: 3, all: 5 });
    next = moveCounts(
      next,
      { status: 'open', assigneeId: null },
      { status: 'open', assigneeId: '2002' },
      me,
    );
    expect(next.open).toEqual({ mine: 1, unassigned: 2, all: 5 });
  });

  it('changes nothing when the bucket is the same (an answer and its event both applied)', () => {
    const c = counts();
    const b = { status: 'open' as const, assigneeId: me };
    expect(moveCounts(c, b, { ...b }, me)).toBe(c);
  });

  it('counts a new conversation and never goes below zero', () => {
    const next = moveCounts(emptyCounts(), null, { status: 'open', assigneeId: null }, me);
    expect(next.open).toEqual({ mine: 0, unassigned: 1, all: 1 });
    const gone = moveCounts(emptyCounts(), { status: 'pending', assigneeId: me }, null, me);
    expect(gone.pending).toEqual({ mine: 0, unassigned: 0, all: 0 });
  });

  it('shows what the filter holds, newest activity first; a missing status is open', () => {
    const all = {
      a: { ...conv('a', 'open', me), updatedAt: '2026-11-25T08:00:00Z', lastMessage: null },
      b: { ...conv('b', 'resolved', me), updatedAt: '2026-11-25T09:00:00Z', lastMessage: null },
      c: { ...conv('c', undefined, null), updatedAt: '2026-11-25T10:00:00Z', lastMessage: null },
    };
    expect(
      visibleConversations(all, { status: 'open', assignee: 'all' }, me).map((c) => c.id),
    ).toEqual(['c', 'a']);
    expect(
      visibleConversations(all, { status: 'open', assignee: 'mine' }, me).map((c) => c.id),
    ).toEqual(['a']);
  });

  it('writes the inbox query with its cursor', () => {
    expect(inboxQuery({ status: 'pending', assignee: 'mine' })).toBe(
      '?status=pending&assignee=mine',
    );
    expect(inboxQuery({ status: 'open', assignee: 'all' }, 'abc=')).toBe(
      '?status=open&assignee=all&cursor=abc%3D',
    );
  });
});

describe('search snippets', () => {
  it('cuts the snippet at the highlight offsets, as text', () => {
    expect(snippetParts('the refund for <b>order</b>', [[4, 10]])).toEqual([
      { text: 'the ', match: false },
      { text: 'refund', match: true },
      { text: ' for <b>order</b>', match: false },
    ]);
  });

  it('counts characters, not UTF-16 units, and survives overlapping or odd offsets', () => {
    expect(snippetParts('🚲 bike ok', [[2, 6]])).toEqual([
      { text: '🚲 ', match: false },
      { text: 'bike', match: true },
      { text: ' ok', match: false },
    ]);
    expect(
      snippetParts('abcdef', [
        [3, 5],
        [0, 2],
        [1, 4],
        [9, 12],
        [5, 5],
      ]),
    ).toEqual([
      { text: 'ab', match: true },
      { text: 'cd', match: true },
      { text: 'e', match: true },
      { text: 'f', match: false },
    ]);
  });
});
