import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, themeVar, type WidgetHandle } from '../src';
import { conversation, fakeFetch, FakeWebSocket, message, token } from './fakes';

let host: HTMLElement;
let handle: WidgetHandle | undefined;

function setup(mode: 'customer' | 'agent') {
  const api = fakeFetch({
    'POST /api/v1/conversations': () => conversation('10', { unreadCount: 0 }),
    'GET /api/v1/conversations': () => ({
      items: [
        conversation('10', {
          participants: [{ userId: '1001', name: 'Casey', role: 'CUSTOMER' }],
          lastMessage: message('3', { body: 'older question', createdAt: '2026-11-25T08:00:00Z' }),
        }),
        conversation('11', {
          participants: [{ userId: '1002', name: 'Dana', role: 'CUSTOMER' }],
          unreadCount: 2,
          lastMessage: message('7', { body: 'newest question', createdAt: '2026-11-25T09:30:00Z' }),
        }),
      ],
    }),
    'GET /api/v1/conversations/10/messages': () => ({
      items: [message('1', { body: 'Welcome to Northwind Bikes' })],
    }),
    'GET /api/v1/conversations/11/messages': () => ({
      items: [message('7', { conversationId: '11' })],
    }),
    'POST /api/v1/conversations/10/read': () => undefined,
  });
  vi.stubGlobal('fetch', api.fetch);
  vi.stubGlobal('WebSocket', FakeWebSocket);
  const claims =
    mode === 'agent'
      ? { sub: '2001', role: 'AGENT', businessId: '1', name: 'Alice' }
      : { sub: '1001', role: 'CUSTOMER', name: 'Casey' };
  handle = mount(host, {
    apiUrl: 'http://node.test',
    token: token(claims),
    businessId: '1',
    mode,
    theme: { colorPrimary: '#0f766e', '--shc-radius': '4px' },
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

describe('customer mode', () => {
  it('renders inside a shadow root with its own styles and the theme variables', async () => {
    const { shadow } = setup('customer');
    expect(shadow.querySelector('style')?.textContent).toContain('--shc-color-primary');
    expect(host.style.getPropertyValue('--shc-color-primary')).toBe('#0f766e');
    expect(host.style.getPropertyValue('--shc-radius')).toBe('4px');
    expect(document.head.querySelector('style')).toBeNull();
  });

  it('badges the launcher and reports unread changes to the host page', async () => {
    const { ui } = setup('customer');
    const counts: number[] = [];
    handle!.on('unread', ({ count }) => counts.push(count));
    await waitFor(() => ui.getByRole('button', { name: /Chat with Northwind Bikes/ }));
    FakeWebSocket.last().open();
    FakeWebSocket.last().push({ type: 'unread', conversationId: '10', count: 2 });
    await waitFor(() =>
      expect(ui.getByRole('button', { name: /2 unread messages/ })).toHaveTextContent('2'),
    );
    expect(counts).toEqual([2]);
    expect(handle!.unreadCount).toBe(2);
  });

  it('opens on the launcher, shows history, sends, and closes on Escape back to the launcher', async () => {
    const { ui, shadow } = setup('customer');
    FakeWebSocket.last().open();
    FakeWebSocket.last().push({ type: 'unread', conversationId: '10', count: 1 });
    const launcher = await waitFor(() => ui.getByRole('button', { name: /Chat with/ }));
    fireEvent.click(launcher);
    const dialog = await waitFor(() => ui.getByRole('dialog', { name: 'Northwind Bikes' }));
    const log = within(dialog).getByRole('region', { name: 'Messages' });
    await waitFor(() => expect(log).toHaveTextContent('Welcome to Northwind Bikes'));
    expect(log).toHaveTextContent('Northwind Bikes • Alice');
    // Opening the thread reads it: the badge clears.
    await waitFor(() => expect(FakeWebSocket.last().frames('read')).toHaveLength(1));
    expect(handle!.unreadCount).toBe(0);

    const input = within(dialog).getByLabelText('Message') as HTMLTextAreaElement;
    expect(shadow.activeElement).toBe(input);
    fireEvent.input(input, { target: { value: 'Is my bike ready?' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(log).toHaveTextContent('Is my bike ready?'));
    expect(log).toHaveTextContent('Sending…');
    const frame = FakeWebSocket.last().frames('message.send')[0];
    FakeWebSocket.last().push({
      type: 'message.ack',
      clientId: frame.clientId as string,
      message: message('2', {
        senderId: '1001',
        body: 'Is my bike ready?',
        clientId: frame.clientId as string,
      }),
    });
    await waitFor(() => expect(log).toHaveTextContent('Sent'));

    fireEvent.keyDown(input, { key: 'Escape' });
    await waitFor(() => expect(ui.queryByRole('dialog')).toBeNull());
    expect(shadow.activeElement).toBe(ui.getByRole('button', { name: /Chat with/ }));
  });

  it('announces typing and connection state in a status region', async () => {
    const { ui } = setup('customer');
    handle!.open();
    FakeWebSocket.last().open();
    const status = await waitFor(() => ui.getByRole('status'));
    FakeWebSocket.last().push({
      type: 'typing',
      conversationId: '10',
      userId: '2001',
      name: 'Alice',
      isTyping: true,
    });
    await waitFor(() => expect(status).toHaveTextContent('Alice is typing…'));
    FakeWebSocket.last().fail();
    await waitFor(() => expect(status).toHaveTextContent('Reconnecting'));
  });

  it('refuses a file over 10 MiB before uploading', async () => {
    const { ui, api } = setup('customer');
    handle!.open();
    const picker = (await waitFor(() => ui.getByLabelText(/Attach a file/))) as HTMLInputElement;
    const big = new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'huge.png', { type: 'image/png' });
    fireEvent.change(picker, { target: { files: [big] } });
    await waitFor(() => expect(ui.getByRole('alert')).toHaveTextContent('10 MiB'));
    expect(api.calls.some((c) => c.path.includes('attachments'))).toBe(false);
  });

  it('previews an image before sending it', async () => {
    const { ui } = setup('customer');
    URL.createObjectURL = vi.fn(() => 'blob:preview');
    URL.revokeObjectURL = vi.fn();
    handle!.open();
    const picker = (await waitFor(() => ui.getByLabelText(/Attach a file/))) as HTMLInputElement;
    const img = new File([new Uint8Array(10)], 'wheel.png', { type: 'image/png' });
    fireEvent.change(picker, { target: { files: [img] } });
    const preview = await waitFor(() => ui.getByAltText('Preview of wheel.png'));
    expect(preview.getAttribute('src')).toBe('blob:preview');
    fireEvent.click(ui.getByRole('button', { name: 'Remove wheel.png' }));
    await waitFor(() => expect(ui.queryByAltText('Preview of wheel.png')).toBeNull());
  });
});

describe('mount API', () => {
  it('maps theme names to variables', () => {
    expect(themeVar('colorPrimary')).toBe('--shc-color-primary');
    expect(themeVar('--shc-radius')).toBe('--shc-radius');
  });

  it('unmount closes the connection and removes the widget', async () => {
    const { shadow } = setup('customer');
    const ws = FakeWebSocket.last();
    ws.open();
    const seen: unknown[] = [];
    host.addEventListener('servihub:connection', (e) => seen.push((e as CustomEvent).detail));
    handle!.unmount();
    handle = undefined;
    expect(ws.readyState).toBe(3);
    expect(shadow.childNodes).toHaveLength(0);
    ws.push({ type: 'unread', conversationId: '10', count: 5 });
    expect(seen).toEqual([]);
  });

  it('rejects a mount without apiUrl or token', () => {
    expect(() => mount(host, { apiUrl: '', token: '' })).toThrow(/apiUrl and token/);
  });
});

describe('agent mode', () => {
  it('lists the inbox newest first with unread badges, opens a thread, Escape returns to it', async () => {
    const { ui, shadow } = setup('agent');
    const nav = await waitFor(() => ui.getByRole('navigation', { name: 'Conversations' }));
    const items = () =>
      within(nav)
        .getAllByRole('listitem')
        .map((li) => within(li).getByRole('button'));
    await waitFor(() => expect(items()).toHaveLength(2));
    const [first, second] = items();
    expect(first).toHaveTextContent('Dana');
    expect(first).toHaveTextContent('newest question');
    expect(first).toHaveTextContent('2 unread');
    expect(second).toHaveTextContent('Casey');

    FakeWebSocket.last().open();
    FakeWebSocket.last().push({
      type: 'presence',
      userId: '1001',
      status: 'online',
      lastSeenAt: null,
    });
    await waitFor(() => expect(second).toHaveTextContent('online'));
    FakeWebSocket.last().push({
      type: 'message.new',
      message: message('20', {
        senderId: '1001',
        body: 'fresh news',
        createdAt: '2026-11-25T10:00:00Z',
      }),
    });
    await waitFor(() => expect(items()[0]).toHaveTextContent('fresh news'));

    fireEvent.click(items()[0]);
    const main = ui.getByRole('region', { name: 'Conversation' });
    await waitFor(() =>
      expect(within(main).getByRole('region', { name: 'Messages' })).toHaveTextContent('Welcome'),
    );
    fireEvent.keyDown(within(main).getByLabelText('Message'), { key: 'Escape' });
    await waitFor(() =>
      expect(within(main).queryByRole('region', { name: 'Messages' })).toBeNull(),
    );
    expect((shadow.activeElement as HTMLElement).dataset.conversation).toBe('10');
  });
});
