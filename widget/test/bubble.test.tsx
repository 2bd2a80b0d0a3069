import { fireEvent, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mount, type WidgetHandle } from '../src';
import { conversation, fakeFetch, FakeWebSocket, message, token } from './fakes';

let host: HTMLElement;
let handle: WidgetHandle;

async function openThread() {
  const api = fakeFetch({
    'POST /api/v1/conversations': () => conversation('10'),
    'GET /api/v1/conversations/10/messages': () => ({
      items: [
        message('1', { body: 'Hello there' }),
        message('2', {
          senderId: '1001',
          sender: { id: '1001', name: 'Casey', role: 'CUSTOMER' },
          body: 'My own words',
        }),
      ],
    }),
    'PUT /api/v1/messages/1/reactions/%F0%9F%91%8D': () =>
      message('1', {
        body: 'Hello there',
        reactions: [{ emoji: '👍', userIds: ['1001'], count: 1 }],
      }),
    'POST /api/v1/conversations/10/read': () => undefined,
  });
  vi.stubGlobal('fetch', api.fetch);
  vi.stubGlobal('WebSocket', FakeWebSocket);
  handle = mount(host, {
    apiUrl: 'http://node.test',
    token: token({ sub: '1001', role: 'CUSTOMER' }),
    businessId: '1',
    open: true,
  });
  const ui = within(host.shadowRoot!.querySelector<HTMLElement>('.shc-root')!);
  FakeWebSocket.last().open();
  const log = await waitFor(() => ui.getByRole('region', { name: 'Messages' }));
  await waitFor(() => expect(log).toHaveTextContent('My own words'));
  return { ui, log, api, ws: FakeWebSocket.last() };
}

beforeEach(() => {
  FakeWebSocket.instances = [];
  host = document.createElement('div');
  document.body.append(host);
});

afterEach(() => {
  handle.unmount();
  host.remove();
  vi.unstubAllGlobals();
});

describe('message bubble', () => {
  it('offers edit and delete on own messages only', async () => {
    const { log } = await openThread();
    fireEvent.click(
      within(log).getByRole('button', { name: /Actions for message from Northwind Bikes • Alice/ }),
    );
    expect(within(log).queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(within(log).getByRole('button', { name: 'React with heart' })).toBeInTheDocument();
    fireEvent.click(within(log).getByRole('button', { name: /Actions for message from You/ }));
    expect(within(log).getByRole('button', { name: 'Edit' })).toBeInTheDocument();
    expect(within(log).getByRole('button', { name: 'Delete' })).toBeInTheDocument();
  });

  it('edits in place and sends the edit over the socket', async () => {
    const { log, ws } = await openThread();
    fireEvent.click(within(log).getByRole('button', { name: /Actions for message from You/ }));
    fireEvent.click(within(log).getByRole('button', { name: 'Edit' }));
    const editor = within(log).getByLabelText('Edit message') as HTMLTextAreaElement;
    expect(editor.value).toBe('My own words');
    fireEvent.input(editor, { target: { value: 'Better words' } });
    fireEvent.keyDown(editor, { key: 'Enter' });
    expect(ws.frames('message.edit')).toEqual([
      { type: 'message.edit', messageId: '2', body: 'Better words' },
    ]);
    ws.push({
      type: 'message.updated',
      message: message('2', {
        senderId: '1001',
        body: 'Better words',
        editedAt: '2026-11-25T10:05:00Z',
      }),
    });
    await waitFor(() => expect(log).toHaveTextContent('Better words (edited)'));
  });

  it('deletes and shows the soft-deleted placeholder', async () => {
    const { log, ws } = await openThread();
    fireEvent.click(within(log).getByRole('button', { name: /Actions for message from You/ }));
    fireEvent.click(within(log).getByRole('button', { name: 'Delete' }));
    // It asks first; nothing is sent until the second Delete.
    expect(ws.frames('message.delete')).toEqual([]);
    expect(log).toHaveTextContent('Delete this message for everyone?');
    fireEvent.click(within(log).getByRole('button', { name: 'Delete' }));
    expect(ws.frames('message.delete')).toEqual([{ type: 'message.delete', messageId: '2' }]);
    ws.push({
      type: 'message.deleted',
      message: message('2', { senderId: '1001', body: '', deletedAt: '2026-11-25T10:06:00Z' }),
    });
    await waitFor(() => expect(log).toHaveTextContent('Message deleted'));
    expect(log).not.toHaveTextContent('My own words');
  });

  it('reacts through REST and shows the count with a pressed toggle', async () => {
    const { log, api } = await openThread();
    fireEvent.click(
      within(log).getByRole('button', { name: /Actions for message from Northwind/ }),
    );
    fireEvent.click(within(log).getByRole('button', { name: 'React with thumbs up' }));
    const toggle = await waitFor(() => within(log).getByRole('button', { name: /👍 1/ }));
    expect(toggle).toHaveAttribute('aria-pressed', 'true');
    expect(api.calls.some((c) => c.method === 'PUT' && c.path.includes('/reactions/'))).toBe(true);
  });

  it('shows a failed send with a Retry button that resends the same clientId', async () => {
    const { ui, log, ws } = await openThread();
    const input = ui.getByLabelText('Message');
    fireEvent.input(input, { target: { value: 'Please retry me' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    const clientId = ws.frames('message.send')[0].clientId as string;
    ws.push({ type: 'error', code: 'rate_limited', message: 'Too many messages', ref: clientId });
    const retry = await waitFor(() => within(log).getByRole('button', { name: 'Retry' }));
    expect(log).toHaveTextContent('Not sent: Too many messages');
    fireEvent.click(retry);
    expect(ws.frames('message.send').map((f) => f.clientId)).toEqual([clientId, clientId]);
    await waitFor(() => expect(log).toHaveTextContent('Sending…'));
  });
});
