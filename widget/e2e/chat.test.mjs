// End-to-end: a customer tab and an agent tab against a real node, in a real Chromium.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { artifacts, openTab, runAxe, start } from './harness.mjs';
import {
  TIMEOUT,
  unique,
  log,
  input,
  launcher,
  inboxItem,
  expectOnce,
  send,
  openCustomerPanel,
  openAgentThread,
  focused,
  waitForFocus,
  tabUntil,
} from './page.mjs';

let env;
let customer;
let agent;

describe('two tabs against a real node', { timeout: 240_000 }, () => {
  before(async () => {
    env = await start();
    customer = await openTab(env, '/demo/customer');
    agent = await openTab(env, '/demo/agent');
  });

  after(async () => {
    for (const tab of [customer, agent]) {
      await tab?.page
        .screenshot({ path: resolve(artifacts, tab === agent ? 'agent.png' : 'customer.png') })
        .catch(() => undefined);
    }
    await env?.stop();
  });

  it('serves the demo index, which links both tabs', async () => {
    const { page, context } = await openTab(env, '/demo');
    assert.ok(await page.getByRole('link', { name: /customer page/ }).isVisible());
    assert.ok(await page.getByRole('link', { name: /agent console/ }).isVisible());
    const res = await page.request.get(env.origin + '/widget/chat-widget.umd.js');
    assert.equal(res.status(), 200);
    assert.match(res.headers()['cache-control'] ?? '', /max-age|no-cache|public/);
    // The ES module build loads as a module and exposes the same API.
    const esm = await page.evaluate(
      async () => typeof (await import('/widget/chat-widget.es.js')).mount,
    );
    assert.equal(esm, 'function');
    await context.close();
  });

  it('exchanges messages both ways in real time', async () => {
    await openCustomerPanel(customer.page);
    const hello = unique('Hello from Casey');
    await send(customer.page, hello);
    await expectOnce(customer.page, hello);
    await customer.page.getByText('Sent', { exact: true }).last().waitFor({ timeout: TIMEOUT });

    await inboxItem(agent.page, 'Casey').filter({ hasText: hello }).waitFor({ timeout: TIMEOUT });
    await openAgentThread(agent.page, 'Casey');
    await expectOnce(agent.page, hello);

    // The agent has the thread open, so Casey's message shows as read.
    await log(customer.page).getByText('Read', { exact: true }).waitFor({ timeout: TIMEOUT });

    const reply = unique('Hi Casey, Alice here');
    await send(agent.page, reply);
    await expectOnce(customer.page, reply);
    await log(customer.page).getByText('Northwind Bikes • Alice').last().waitFor();
  });

  it('shows typing and presence', async () => {
    await input(agent.page).pressSequentially('typing something', { delay: 20 });
    await customer.page
      .getByRole('status')
      .getByText(/Alice is typing…/)
      .waitFor({ timeout: TIMEOUT });
    await input(agent.page).fill('');
    await customer.page.locator('.shc-header .shc-online').waitFor({ timeout: TIMEOUT });
    await agent.page.locator('.shc-main .shc-header .shc-online').waitFor({ timeout: TIMEOUT });
  });

  it('raises the unread badge and clears it on read', async () => {
    await customer.page.keyboard.press('Escape');
    await customer.page.getByRole('dialog').waitFor({ state: 'detached' });
    const text = unique('Your bike is ready');
    await send(agent.page, text);
    await customer.page
      .getByRole('button', { name: /1 unread message/ })
      .waitFor({ timeout: TIMEOUT });
    assert.equal(await customer.page.locator('#host-badge').textContent(), '(1)');
    await launcher(customer.page).click();
    await expectOnce(customer.page, text);
    await launcher(customer.page).locator('.shc-badge').waitFor({ state: 'detached' });
    assert.equal(await customer.page.locator('#host-badge').textContent(), '');

    // The agent's inbox badges a conversation that is not open.
    await agent.page.getByRole('button', { name: 'Back to inbox' }).click();
    const question = unique('One more question');
    await send(customer.page, question);
    await inboxItem(agent.page, 'Casey').getByText('1 unread').waitFor({ timeout: TIMEOUT });
    await openAgentThread(agent.page, 'Casey');
    await expectOnce(agent.page, question);
    await inboxItem(agent.page, 'Casey').locator('.shc-badge').waitFor({ state: 'detached' });
  });

  it('edits, deletes and reacts, live on the other side', async () => {
    const original = unique('Can I book for Friday');
    await send(customer.page, original);
    await expectOnce(agent.page, original);
    const mine = log(customer.page).locator('.shc-msg', { hasText: original });
    await mine.getByRole('button', { name: /Actions for message from You/ }).click();
    await mine.getByRole('button', { name: 'Edit', exact: true }).click();
    const edited = unique('Can I book for Saturday');
    // While editing, the text lives in the editor's value, not in the bubble's text.
    const editor = log(customer.page).getByLabel('Edit message');
    await editor.fill(edited);
    await editor.press('Enter');
    await expectOnce(agent.page, edited);
    const theirs = log(agent.page).locator('.shc-msg', { hasText: edited });
    await theirs.getByText('(edited)').waitFor({ timeout: TIMEOUT });

    await theirs.getByRole('button', { name: /Actions for message from Casey/ }).click();
    await theirs.getByRole('button', { name: 'React with heart' }).click();
    await log(customer.page)
      .locator('.shc-msg', { hasText: edited })
      .getByRole('button', { name: /❤️ 1/ })
      .waitFor({ timeout: TIMEOUT });

    const edited2 = log(customer.page).locator('.shc-msg', { hasText: edited });
    await edited2.getByRole('button', { name: /Actions for message from You/ }).click();
    await edited2.getByRole('button', { name: 'Delete' }).click();
    // Deleting asks first.
    await edited2.getByText('Delete this message for everyone?').waitFor();
    await edited2.getByRole('button', { name: 'Delete' }).click();
    await log(agent.page).getByText(edited).waitFor({ state: 'detached', timeout: TIMEOUT });
    assert.ok((await log(agent.page).getByText('Message deleted').count()) >= 1);
  });

  it('exchanges messages over SSE when WebSocket does not exist', async () => {
    const sse = await openTab(env, '/demo/customer', { noWebSocket: true });
    try {
      await openCustomerPanel(sse.page);
      await sse.page.waitForFunction(() => window.__chatConnection?.status === 'online');
      assert.equal(await sse.page.evaluate(() => window.__chatConnection.transport), 'sse');
      const up = unique('Over SSE from Casey');
      await send(sse.page, up);
      await expectOnce(sse.page, up);
      await expectOnce(agent.page, up);
      const down = unique('SSE reply from Alice');
      await send(agent.page, down);
      await expectOnce(sse.page, down);
      await input(agent.page).pressSequentially('still typing', { delay: 20 });
      await sse.page.getByText(/Alice is typing…/).waitFor({ timeout: TIMEOUT });
      await input(agent.page).fill('');
    } finally {
      await sse.context.close();
    }
  });

  it('delivers messages sent during a network drop exactly once', async () => {
    await openCustomerPanel(customer.page);
    await customer.context.setOffline(true);
    await customer.page
      .getByRole('status')
      .getByText(/offline/)
      .waitFor({ timeout: TIMEOUT });
    const missed = [unique('While you were away 1'), unique('While you were away 2')];
    for (const text of missed) {
      await send(agent.page, text);
      await expectOnce(agent.page, text);
    }
    const queued = unique('Sent while offline');
    await send(customer.page, queued);
    await log(customer.page)
      .getByText(/will be sent when you are back online/)
      .waitFor();
    await customer.context.setOffline(false);
    for (const text of missed) await expectOnce(customer.page, text);
    await expectOnce(customer.page, queued);
    await expectOnce(agent.page, queued);
    await customer.page.waitForTimeout(1000);
    for (const text of missed) await expectOnce(customer.page, text);
    assert.equal(await log(customer.page).getByText('Sending…').count(), 0);
  });

  it('previews an image, uploads it, and it arrives', async () => {
    const png = await customer.page.evaluate(() => {
      const c = document.createElement('canvas');
      c.width = 64;
      c.height = 48;
      const g = c.getContext('2d');
      g.fillStyle = '#c2410c';
      g.fillRect(0, 0, 64, 48);
      return c.toDataURL('image/png').split(',')[1];
    });
    await customer.page.getByLabel(/Attach a file/).setInputFiles({
      name: 'wheel.png',
      mimeType: 'image/png',
      buffer: Buffer.from(png, 'base64'),
    });
    await customer.page.getByAltText('Preview of wheel.png').waitFor({ timeout: TIMEOUT });
    const caption = unique('Photo of the wheel');
    await input(customer.page).fill(caption);
    await customer.page.getByRole('button', { name: 'Send' }).click();
    await expectOnce(customer.page, caption);
    await expectOnce(agent.page, caption);
    const img = log(agent.page).locator('.shc-msg', { hasText: caption }).getByAltText('wheel.png');
    await img.waitFor({ timeout: TIMEOUT });
    await agent.page.waitForFunction(
      (el) => el.complete && el.naturalWidth === 64,
      await img.elementHandle(),
      { timeout: TIMEOUT },
    );
  });

  it('works with the keyboard alone', async () => {
    const tab = await openTab(env, '/demo/customer?user=1002&name=Dana');
    const { page } = tab;
    try {
      await launcher(page).waitFor();
      let f = await tabUntil(page, (x) => x.className.includes('shc-launcher'));
      assert.ok(f.outline, 'the launcher shows a visible focus ring');
      await page.keyboard.press('Enter');
      f = await waitForFocus(page, (x) => x.tag === 'textarea');
      const text = unique('Typed without a mouse');
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
      await expectOnce(page, text);
      await page.getByText('Sent', { exact: true }).last().waitFor({ timeout: TIMEOUT });

      f = await tabUntil(page, (x) => /Actions for message from You/.test(x.label), 'Shift+Tab');
      assert.ok(f.outline, 'message actions show a visible focus ring');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      assert.match((await focused(page)).label, /React with thumbs up/);
      await page.keyboard.press('Enter');
      await log(page).getByRole('button', { name: /👍 1/ }).waitFor({ timeout: TIMEOUT });

      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      f = await focused(page);
      assert.ok(
        f.className.includes('shc-launcher'),
        'focus returns to the launcher: ' + JSON.stringify(f),
      );

      // The agent answers Dana with the keyboard too, from a freshly loaded console.
      await inboxItem(agent.page, 'Dana').waitFor({ timeout: TIMEOUT });
      await agent.page.reload();
      await inboxItem(agent.page, 'Dana').waitFor({ timeout: TIMEOUT });
      f = await tabUntil(
        agent.page,
        (x) => x.className.includes('shc-conv') && /Dana/.test(x.label),
      );
      assert.ok(f.outline, 'inbox entries show a visible focus ring');
      await agent.page.keyboard.press('Enter');
      await waitForFocus(agent.page, (x) => x.tag === 'textarea');
      const reply = unique('Keyboard reply to Dana');
      await agent.page.keyboard.type(reply);
      await agent.page.keyboard.press('Enter');
      await expectOnce(agent.page, reply);
      await page.getByRole('button', { name: /1 unread message/ }).waitFor({ timeout: TIMEOUT });
      await agent.page.keyboard.press('Escape');
      assert.match((await focused(agent.page)).label, /Dana/);
    } finally {
      await tab.context.close();
    }
  });

  it('loads older history when scrolled to the top, keeping the reader in place', async () => {
    const session = async (query) => (await fetch(`${env.origin}/demo/session?${query}`)).json();
    const call = async (who, method, path, body) => {
      const res = await fetch(`${env.origin}/api/v1${path}`, {
        method,
        headers: { authorization: 'Bearer ' + who.token, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(res.ok, `${method} ${path}: ${res.status}`);
      return res.json();
    };
    const gus = await session('as=customer&user=1006&name=Gus');
    const alice = await session('as=agent');
    const conv = await call(gus, 'POST', '/conversations', { businessId: '1' });
    // 60 messages in id order, two senders, paced under the 20-per-5-s send limit.
    for (let n = 1; n <= 60; n++) {
      if (n === 31) await new Promise((r) => setTimeout(r, 5500));
      const who = n % 2 ? gus : alice;
      await call(who, 'POST', `/conversations/${conv.id}/messages`, {
        clientId: `history-${n}`,
        body: `History ${n}.`,
      });
    }
    const { page, context } = await openTab(env, '/demo/customer?user=1006&name=Gus');
    try {
      await openCustomerPanel(page);
      await expectOnce(page, 'History 60.');
      assert.equal(await log(page).locator('.shc-msg').count(), 50);
      await log(page).evaluate((el) => (el.scrollTop = 0));
      await expectOnce(page, 'History 1.');
      assert.equal(await log(page).locator('.shc-msg').count(), 60);
      assert.ok((await log(page).evaluate((el) => el.scrollTop)) > 0, 'the reader stays in place');
      await page
        .getByRole('button', { name: 'Load earlier messages' })
        .waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
  });

  it('keeps its look against hostile page styles and fits a phone screen', async () => {
    const { page, context } = await openTab(env, '/demo/customer?user=1004&name=Erin');
    try {
      await page.addStyleTag({
        content: `body, div { color: #f0f !important; font: italic 30px serif !important;
          letter-spacing: 4px !important; text-transform: uppercase !important; }
          button { background: #ff0 !important; } .shc-bubble { display: none !important; }`,
      });
      await page.setViewportSize({ width: 375, height: 667 });
      await openCustomerPanel(page);
      const text = unique('Styled by the widget only');
      await send(page, text);
      await expectOnce(page, text);
      const style = await log(page)
        .locator('.shc-bubble', { hasText: text })
        .evaluate((el) => {
          const cs = getComputedStyle(el);
          return { font: cs.fontSize, spacing: cs.letterSpacing, transform: cs.textTransform };
        });
      assert.deepEqual(style, { font: '15px', spacing: 'normal', transform: 'none' });
      const send_ = await page
        .getByRole('button', { name: 'Send' })
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.notEqual(send_, 'rgb(255, 255, 0)');
      // On a phone the panel takes the screen and nothing scrolls sideways.
      const box = await page.getByRole('dialog').boundingBox();
      assert.deepEqual([box.x, box.width], [0, 375]);
      const overflow = await log(page).evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.equal(overflow, 0);
      await page.screenshot({ path: resolve(artifacts, 'customer-phone.png') });
    } finally {
      await context.close();
    }
  });

  it('respects prefers-reduced-motion', async () => {
    const { page, context } = await openTab(env, '/demo/customer?user=1005&name=Fay');
    try {
      await page.emulateMedia({ reducedMotion: 'reduce' });
      await openCustomerPanel(page);
      const animation = await page
        .getByRole('dialog')
        .evaluate((el) => getComputedStyle(el).animationName);
      assert.equal(animation, 'none');
    } finally {
      await context.close();
    }
  });

  it('has no WCAG 2.1 A/AA or best-practice violations of any impact (axe-core)', async () => {
    await openCustomerPanel(customer.page);
    await openAgentThread(agent.page, 'Casey');
    for (const [name, page] of [
      ['customer', customer.page],
      ['agent', agent.page],
    ]) {
      const violations = await runAxe(page);
      assert.deepEqual(violations, [], `${name} tab: ${JSON.stringify(violations, null, 2)}`);
    }
    await customer.page.screenshot({ path: resolve(artifacts, 'customer-open.png') });
    await agent.page.screenshot({ path: resolve(artifacts, 'agent-thread.png') });
  });
});
