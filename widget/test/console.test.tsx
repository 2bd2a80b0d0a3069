import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, type WidgetHandle } from '../src';
import { emptyCounts } from '../src/console/inbox';
import { conversation, fakeFetch, FakeWebSocket, message, token } from './fakes';

let host: HTMLElement;
let handle: WidgetHandle | undefined;

const kim = [{ userId: '1001', name: 'Kim', role: 'CUSTOMER' as const }];
const dana = [{ userId: '1002', name: 'Dana', role: 'CUSTOMER' as const }];

function setup(role: 'AGENT' | 'OWNER' = 'AGENT', extra: Parameters<typeof fakeFetch>[0] = {}) {
  const counts = emptyCounts();
  counts.open = { mine: 0, unassigned: 2, all: 2 };
  counts.resolved = { mine: 0, unassigned: 4, all: 4 };
  const api = fakeFetch({
    'GET /api/v1/conversations': () => ({
      items: [
        conversation('10', { participants: kim, status: 'open', assigneeId: null }),
        conversation('11', { participants: dana, status: 'open', assigneeId: null }),
      ],
      nextCursor: null,
      counts,
    }),
    'GET /api/v1/conversations/10/messages': () => ({ items: [message('1', { body: 'Hello' })] }),
    'GET /api/v1/businesses/1/canned-replies': () => ({
      items: [
        { id: '1', shortcut: 'refund', body: 'Hi {{customer.name}}, {{agent.name}} here.' },
        { id: '2', shortcut: 'ship', body: 'It ships today from {{business.name}}.' },
      ],
    }),
    'GET /api/v1/businesses/1/staff': () => ({
      items: [
        { userId: '2001', name: 'Alice', role: 'AGENT', online: true },
        { userId: '2002', name: 'Bob', role: 'AGENT', online: false },
      ],
    }),
    'POST /api/v1/conversations/10/read': () => undefined,
    ...extra,
  });
  vi.stubGlobal('fetch', api.fetch);
  vi.stubGlobal('WebSocket', FakeWebSocket);
  handle = mount(host, {
    apiUrl: 'http://node.test',
    token: token({ sub: '2001', role, businessId: '1', name: 'Alice' }),
    mode: 'agent',
  });
  const shadow = host.shadowRoot!;
  return { api, shadow, ui: within(shadow.querySelector<HTMLElement>('.shc-root')!) };
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  host = document.createElement('div');
  document.body.append(host);
});

afterEach(() => {
  handle?.unmount();
  host.remove();
  vi.unstubAllGlobals();
});

describe('agent console desk', () => {
  it('loads the open filter with its counts and moves a resolved conversation out live', async () => {
    const { ui, api } = setup();
    const nav = await waitFor(() => ui.getByRole('navigation', { name: 'Conversations' }));
    await waitFor(() => within(nav).getByText('Kim'));
    expect(api.calls.some((c) => c.path === '/api/v1/conversations?status=open&assignee=all')).toBe(
      true,
    );
    const status = within(nav).getByRole('group', { name: 'Status' });
    await waitFor(() => within(status).getByRole('button', { name: 'Open, 2 conversations' }));
    FakeWebSocket.last().open();
    FakeWebSocket.last().push({
      type: 'conversation.updated',
      conversationId: '10',
      status: 'resolved',
      snoozedUntil: null,
      assigneeId: '2002',
      assigneeName: 'Bob',
      changedBy: '2002',
    });
    await waitFor(() => expect(within(nav).queryByText('Kim')).toBeNull());
    within(status).getByRole('button', { name: 'Open, 1 conversations' });
    within(status).getByRole('button', { name: 'Resolved, 5 conversations' });
  });

  it('inserts a canned reply from the keyboard and sends notes as private', async () => {
    const { ui } = setup();
    await waitFor(() => ui.getByText('Kim'));
    fireEvent.click(ui.getByText('Kim'));
    const box = await waitFor(() => ui.getByRole('textbox', { name: 'Message' }));
    expect(box).toHaveAttribute('aria-autocomplete', 'list');
    const shown = () => box.hasAttribute('aria-activedescendant');
    const type = (value: string) => {
      (box as HTMLTextAreaElement).value = value;
      (box as HTMLTextAreaElement).setSelectionRange(value.length, value.length);
      fireEvent.input(box);
    };
    type('/');
    const list = await waitFor(() => ui.getByRole('listbox', { name: 'Canned replies' }));
    expect(box).toHaveAttribute('aria-controls', list.id);
    await waitFor(() => expect(shown()).toBe(true));
    expect(within(list).getAllByRole('option')).toHaveLength(2);
    type('/s');
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(1));
    type('/');
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(2));
    fireEvent.keyDown(box, { key: 'ArrowDown' });
    const second = within(list).getAllByRole('option')[1];
    await waitFor(() => expect(box).toHaveAttribute('aria-activedescendant', second.id));
    fireEvent.keyDown(box, { key: 'ArrowUp' });
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(box).toHaveValue('Hi Kim, Alice here.'));
    expect(shown()).toBe(false);

    // Escape closes the list and leaves the thread open.
    type('/r');
    await waitFor(() => expect(shown()).toBe(true));
    fireEvent.keyDown(box, { key: 'Escape' });
    await waitFor(() => expect(shown()).toBe(false));
    expect(list).not.toBeVisible();
    expect(ui.getByRole('region', { name: 'Messages' })).toBeTruthy();

    FakeWebSocket.last().open();
    fireEvent.click(ui.getByRole('button', { name: 'Private note' }));
    type('Call back tomorrow');
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(FakeWebSocket.last().frames('message.send')).toHaveLength(1));
    expect(FakeWebSocket.last().frames('message.send')[0]).toMatchObject({
      body: 'Call back tomorrow',
      private: true,
    });
    // No typing indicator goes to the customer while a note is written.
    expect(
      FakeWebSocket.last()
        .frames('typing')
        .filter((f) => f.isTyping),
    ).toEqual([]);
    await waitFor(() => ui.getByText('Private note', { selector: '.shc-tag' }));
  });

  it('marks an offline assignee in the assign list and the header', async () => {
    const { ui } = setup();
    await waitFor(() => ui.getByText('Kim'));
    fireEvent.click(ui.getByText('Kim'));
    const select = await waitFor(() => ui.getByRole('combobox', { name: 'Assignee' }));
    await waitFor(() => within(select).getByRole('option', { name: 'Bob — offline' }));
    within(select).getByRole('option', { name: 'Alice (You) — online' });
    FakeWebSocket.last().open();
    FakeWebSocket.last().push({
      type: 'conversation.updated',
      conversationId: '10',
      status: 'open',
      snoozedUntil: null,
      assigneeId: '2002',
      assigneeName: 'Bob',
      changedBy: '2002',
    });
    await waitFor(() => ui.getByText('Bob is offline'));
    await waitFor(() => expect(select).toHaveValue('2002'));
    FakeWebSocket.last().push({
      type: 'presence',
      userId: '2002',
      status: 'online',
      lastSeenAt: null,
    });
    await waitFor(() => expect(ui.queryByText('Bob is offline')).toBeNull());
  });
});

describe('agent console assignment', () => {
  it('assigns with the Assign button, keeping focus there, and announces it', async () => {
    const { ui, api, shadow } = setup('AGENT', {
      'POST /api/v1/conversations/10/assignee': () =>
        conversation('10', { participants: kim, assigneeId: '2002', assigneeName: 'Bob' }),
    });
    await waitFor(() => ui.getByText('Kim'));
    fireEvent.click(ui.getByText('Kim'));
    const select = await waitFor(() => ui.getByRole('combobox', { name: 'Assignee' }));
    await waitFor(() => within(select).getByRole('option', { name: 'Bob — offline' }));
    const assign = ui.getByRole('button', { name: 'Assign' });
    expect(assign).toHaveAttribute('aria-disabled', 'true');
    fireEvent.change(select, { target: { value: '2002' } });
    expect(api.calls.some((c) => c.path.endsWith('/assignee'))).toBe(false);
    expect(assign).toHaveAttribute('aria-disabled', 'false');
    assign.focus();
    fireEvent.click(assign);
    await waitFor(() => ui.getByText('Bob is offline'));
    expect(api.calls.find((c) => c.path.endsWith('/assignee'))?.body).toEqual({ userId: '2002' });
    expect(shadow.activeElement).toBe(assign);
    await waitFor(() =>
      expect(shadow.querySelector('.shc-announcer')).toHaveTextContent('Kim: assigned to Bob'),
    );
  });
});

describe('agent console status', () => {
  it('snoozes until a chosen time, refuses a past one, and returns focus to Snooze', async () => {
    const { ui, api, shadow } = setup('AGENT', {
      'POST /api/v1/conversations/10/status': (_u, init) => {
        const b = JSON.parse(String(init.body));
        return conversation('10', { participants: kim, ...b });
      },
    });
    await waitFor(() => ui.getByText('Kim'));
    fireEvent.click(ui.getByText('Kim'));
    const snooze = await waitFor(() => ui.getByRole('button', { name: 'Snooze…' }));
    fireEvent.click(snooze);
    const when = await waitFor(() => ui.getByLabelText('Snooze until'));
    await waitFor(() => expect(shadow.activeElement).toBe(when));
    fireEvent.input(when, { target: { value: '2001-01-01T10:00' } });
    fireEvent.submit(when.closest('form')!);
    await waitFor(() => ui.getByRole('alert'));
    expect(ui.getByRole('alert')).toHaveTextContent('Choose a time in the future.');
    expect(api.calls.some((c) => c.path.endsWith('/status'))).toBe(false);

    const later = new Date(Date.now() + 2 * 86400_000);
    later.setSeconds(0, 0);
    const local = new Date(later.getTime() - later.getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 16);
    fireEvent.input(when, { target: { value: local } });
    fireEvent.submit(when.closest('form')!);
    await waitFor(() => expect(ui.queryByLabelText('Snooze until')).toBeNull());
    expect(shadow.activeElement).toBe(snooze);
    expect(api.calls.find((c) => c.path.endsWith('/status'))?.body).toEqual({
      status: 'snoozed',
      snoozedUntil: later.toISOString(),
    });
    await waitFor(() => expect(snooze).toHaveAttribute('aria-pressed', 'true'));
    ui.getByText(/Snoozed until/, { selector: '.shc-desk-state span' });
    // It left the open filter; the thread stays open where the agent is.
    await waitFor(() => expect(within(ui.getByRole('navigation')).queryByText('Kim')).toBeNull());
    expect(ui.getByRole('region', { name: 'Messages' })).toBeTruthy();
  });
});

describe('agent console search', () => {
  it('lists hits with marked matches as text, pages them, and opens one in context', async () => {
    const hit = (id: string, snippet: string, highlights: [number, number][]) => ({
      conversationId: '10',
      message: message(id, { body: snippet, senderId: '1001' }),
      snippet,
      highlights,
      rank: 0.5,
    });
    const { ui, api, shadow } = setup('AGENT', {
      'GET /api/v1/search': (url) =>
        url.searchParams.get('offset') === '1'
          ? { items: [hit('5', 'second refund', [[7, 13]])], hasMore: false }
          : { items: [hit('3', 'a <b>refund</b> please', [[5, 11]])], hasMore: true },
      'GET /api/v1/conversations/10/messages': (url) =>
        url.searchParams.get('before') === '3'
          ? { items: [message('2', { body: 'before it' })], hasMore: false }
          : url.searchParams.get('after') === '3'
            ? { items: [message('4', { body: 'after it' })] }
            : { items: [message('9', { body: 'latest' })] },
    });
    const box = await waitFor(() => ui.getByRole('searchbox', { name: 'Search messages' }));
    fireEvent.input(box, { target: { value: 'refund' } });
    fireEvent.submit(box.closest('form')!);
    const results = await waitFor(() => ui.getByRole('heading', { name: '1 result' }));
    expect(api.calls.some((c) => c.path === '/api/v1/search?q=refund&limit=20')).toBe(true);
    const marks = shadow.querySelectorAll('.shc-results mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['refund']);
    // The snippet is text: its angle brackets are shown, never parsed.
    expect(shadow.querySelector('.shc-results b')).toBeNull();
    expect(shadow.querySelector('.shc-snippet')).toHaveTextContent('a <b>refund</b> please');
    fireEvent.click(ui.getByRole('button', { name: 'More results' }));
    await waitFor(() => ui.getByRole('heading', { name: '2 results' }));
    expect(results).toBeTruthy();

    fireEvent.click(shadow.querySelector<HTMLElement>('.shc-hit-item')!);
    await waitFor(() => expect(shadow.querySelector('.shc-hit')).not.toBeNull());
    const found = shadow.querySelector<HTMLElement>('.shc-hit')!;
    expect(found.dataset.id).toBe('3');
    expect(shadow.activeElement).toBe(found);
    const log = ui.getByRole('region', { name: 'Messages' });
    expect(log).toHaveTextContent(/before it.*refund.*after it/);
    expect(log).not.toHaveTextContent('latest');
  });
});

describe('agent console community', () => {
  it('keeps the business community above every filter, without desk controls', async () => {
    const { ui } = setup('AGENT', {
      'GET /api/v1/businesses/1/community': () => ({
        ...conversation('77', { type: 'COMMUNITY', participants: [] }),
        subscribed: false,
        subscriberCount: 3,
      }),
    });
    const nav = await waitFor(() => ui.getByRole('navigation', { name: 'Conversations' }));
    const first = () => within(within(nav).getAllByRole('listitem')[0]).getByRole('button');
    await waitFor(() => expect(first()).toHaveTextContent('Northwind Bikes community'));
    fireEvent.click(within(nav).getByRole('button', { name: /^Resolved/ }));
    await waitFor(() => expect(within(nav).queryByText('Kim')).toBeNull());
    expect(first()).toHaveTextContent('Northwind Bikes community');
    fireEvent.click(first());
    await waitFor(() => ui.getByRole('heading', { name: 'Northwind Bikes community' }));
    expect(ui.queryByRole('group', { name: 'Conversation actions' })).toBeNull();
  });
});

describe('agent console paging and settings', () => {
  it('pages the inbox with nextCursor', async () => {
    const zed = [{ userId: '1009', name: 'Zed', role: 'CUSTOMER' as const }];
    const { ui, api } = setup('AGENT', {
      'GET /api/v1/conversations': (url) =>
        url.searchParams.get('cursor') === 'p2'
          ? { items: [conversation('12', { participants: zed })], nextCursor: null }
          : { items: [conversation('10', { participants: kim })], nextCursor: 'p2' },
    });
    const more = await waitFor(() => ui.getByRole('button', { name: 'Load more conversations' }));
    fireEvent.click(more);
    await waitFor(() => ui.getByText('Zed'));
    expect(api.calls.map((c) => c.path)).toContain(
      '/api/v1/conversations?status=open&assignee=all&cursor=p2',
    );
    await waitFor(() =>
      expect(ui.queryByRole('button', { name: 'Load more conversations' })).toBeNull(),
    );
    ui.getByText('Kim');
  });

  it("lets an owner change the desk settings and the business's canned replies", async () => {
    let saved: unknown;
    const { ui, api, shadow } = setup('OWNER', {
      'GET /api/v1/businesses/1/settings': () => ({
        autoAssign: false,
        maxOpenPerAgent: 10,
        awayMessage: null,
        expectedReplyMinutes: null,
      }),
      'PUT /api/v1/businesses/1/settings': (_u, init) => (saved = JSON.parse(String(init.body))),
      'POST /api/v1/businesses/1/canned-replies': (_u, init) => ({
        id: '9',
        updatedAt: '2026-11-25T09:00:00Z',
        ...JSON.parse(String(init.body)),
      }),
      'DELETE /api/v1/businesses/1/canned-replies/9': () => undefined,
    });
    fireEvent.click(await waitFor(() => ui.getByRole('button', { name: 'Desk settings' })));
    const heading = await waitFor(() => ui.getByRole('heading', { name: 'Desk settings' }));
    expect(shadow.activeElement).toBe(heading);
    const auto = await waitFor(() => ui.getByRole('checkbox', { name: /automatically/ }));
    fireEvent.click(auto);
    fireEvent.input(ui.getByLabelText('Most open conversations per agent'), {
      target: { value: '4' },
    });
    fireEvent.input(ui.getByLabelText(/Away message/), { target: { value: 'Back soon' } });
    fireEvent.click(ui.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => ui.getByText('Saved.'));
    expect(saved).toEqual({
      autoAssign: true,
      maxOpenPerAgent: 4,
      awayMessage: 'Back soon',
      expectedReplyMinutes: null,
    });

    fireEvent.click(ui.getByRole('button', { name: 'Add canned reply' }));
    const shortcut = ui.getByLabelText('Shortcut');
    await waitFor(() => expect(shadow.activeElement).toBe(shortcut));
    fireEvent.input(shortcut, { target: { value: 'hours' } });
    fireEvent.input(ui.getByLabelText(/Reply text/), { target: { value: 'Open 9 to 5.' } });
    fireEvent.submit(shortcut.closest('form')!);
    await waitFor(() => ui.getByRole('button', { name: 'Delete /hours' }));
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({
      shortcut: 'hours',
      body: 'Open 9 to 5.',
    });
    fireEvent.click(ui.getByRole('button', { name: 'Delete /hours' }));
    await waitFor(() => expect(ui.queryByRole('button', { name: 'Delete /hours' })).toBeNull());

    fireEvent.click(ui.getByRole('button', { name: 'Close settings' }));
    await waitFor(() => expect(ui.queryByRole('heading', { name: 'Desk settings' })).toBeNull());
  });
});
