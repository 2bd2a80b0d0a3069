// End-to-end: the support desk (issue 14) in Chromium against a real node: status and the live
// inbox across two agents, canned replies from the keyboard only, private notes that never reach
// the customer, and search that opens last month's message in its conversation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolve } from 'node:path';
import { artifacts, openTab, runAxe, sql, staffTab, start } from './harness.mjs';
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
let nextUser = 1400;
const tabs = [];

/** A customer of its own, so each scenario starts from a new conversation. */
async function customerTab(name) {
  const query = new URLSearchParams({ user: String(nextUser++), name });
  const tab = await openTab(env, '/demo/customer?' + query);
  tabs.push(tab);
  await launcher(tab.page).waitFor({ timeout: TIMEOUT });
  return tab;
}

async function agentTab(who) {
  const tab = who ? await staffTab(env, who) : await openTab(env, '/demo/agent');
  tabs.push(tab);
  await tab.page.locator('.shc-inbox').waitFor({ timeout: TIMEOUT });
  return tab;
}

/** The inbox's count for a status (with the assignee filter in use), as a screen reader hears it. */
async function statusCount(page, status) {
  const label = page
    .getByRole('group', { name: 'Status' })
    .locator('.shc-sr', { hasText: new RegExp('^' + status + ', \\d+ conversations') });
  await label.waitFor({ timeout: TIMEOUT });
  return Number(/(\d+) conversations/.exec(await label.textContent())[1]);
}

/** Picks the staff member whose option names `who` in the assignee list. */
async function assignTo(page, who) {
  const select = page.getByLabel('Assignee');
  const value = await select.evaluate(
    (el, name) => [...el.options].find((o) => o.textContent.includes(name))?.value,
    who,
  );
  assert.ok(value, who + ' is in the assignee list');
  await select.selectOption(value);
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
}

/** Scratch screenshots of the desk's states, for looking at (not compared). */
const shot = (page, name) =>
  page.screenshot({ path: resolve(artifacts, 'desk-' + name + '.png') }).catch(() => undefined);

const actions = (page) => page.getByRole('group', { name: 'Conversation actions' });
/** Waits until the live region has said a line matching `re` (it is visually hidden). */
const heard = (page, re) =>
  page
    .locator('.shc-announcer p', { hasText: re })
    .first()
    .waitFor({ state: 'attached', timeout: TIMEOUT });
const shadowText = (page) =>
  page.evaluate(() => document.querySelector('#servihub-chat').shadowRoot.textContent);

describe('the support desk', { timeout: 600_000 }, () => {
  before(async () => {
    env = await start();
  });

  after(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await env?.stop();
  });

  it("resolves a conversation; the customer's next message reopens it in another agent's inbox, live", async () => {
    const bob = await agentTab({ sub: 2002, name: 'Bob' });
    const alice = await agentTab();
    const name = unique('Rosa').replace(' ', '');
    const cust = await customerTab(name);
    await openCustomerPanel(cust.page);
    await send(cust.page, unique('My brakes squeal'));

    await inboxItem(bob.page, name).waitFor({ timeout: TIMEOUT });
    const open = await statusCount(bob.page, 'Open');
    const resolved = await statusCount(bob.page, 'Resolved');

    await openAgentThread(alice.page, name);
    await actions(alice.page).getByRole('button', { name: 'Resolve' }).click();
    await alice.page
      .locator('.shc-status-tag', { hasText: 'Resolved' })
      .waitFor({ timeout: TIMEOUT });
    assert.equal((await focused(alice.page)).label, 'Resolve', 'focus stays on the control used');
    await heard(alice.page, new RegExp(name + ': Resolved'));

    // Bob's open inbox loses it and its count, live; the resolved filter gains it.
    await inboxItem(bob.page, name).waitFor({ state: 'detached', timeout: TIMEOUT });
    assert.equal(await statusCount(bob.page, 'Open'), open - 1);
    assert.equal(await statusCount(bob.page, 'Resolved'), resolved + 1);

    // The customer is told, in the status region, and writes again.
    await cust.page
      .getByRole('status')
      .filter({ hasText: 'This conversation is resolved' })
      .waitFor({ timeout: TIMEOUT });
    assert.deepEqual(await runAxe(cust.page), [], 'axe on the customer panel with the notice');
    const again = unique('Still squeaking after the fix');
    await send(cust.page, again);

    await inboxItem(bob.page, name).filter({ hasText: again }).waitFor({ timeout: TIMEOUT });
    assert.equal(await statusCount(bob.page, 'Open'), open);
    assert.equal(await statusCount(bob.page, 'Resolved'), resolved);
    await alice.page.locator('.shc-status-tag', { hasText: 'Open' }).waitFor({ timeout: TIMEOUT });
    await cust.page
      .getByRole('status')
      .filter({ hasText: 'This conversation is resolved' })
      .waitFor({ state: 'detached', timeout: TIMEOUT });

    // Bob takes it; Alice hears it, and the inbox names him.
    await openAgentThread(bob.page, name);
    await assignTo(bob.page, 'Bob');
    await inboxItem(alice.page, name)
      .locator('.shc-assigned', { hasText: 'Bob' })
      .waitFor({ timeout: TIMEOUT });
    await heard(alice.page, new RegExp(name + ': assigned to Bob by Bob'));
    assert.equal(await alice.page.getByLabel('Assignee').inputValue(), '2002');
    await cust.page
      .getByRole('status')
      .filter({ hasText: 'Bob is answering' })
      .waitFor({ timeout: TIMEOUT });
    assert.deepEqual(await runAxe(alice.page), [], 'axe on the console with the desk controls');

    // Resolved again, the customer's next visit starts a new conversation; the old one stays
    // readable under "Past conversations", closed.
    await actions(bob.page).getByRole('button', { name: 'Resolve' }).click();
    await cust.page
      .getByRole('status')
      .filter({ hasText: 'This conversation is resolved' })
      .waitFor({ timeout: TIMEOUT });
    await cust.page.reload();
    await launcher(cust.page).waitFor({ timeout: TIMEOUT });
    await openCustomerPanel(cust.page);
    await log(cust.page).getByText('Hi there').waitFor({ timeout: TIMEOUT });
    const past = cust.page.getByRole('button', { name: 'Past conversations (1)' });
    await past.click({ timeout: TIMEOUT });
    await waitForFocus(cust.page, (f) => f.tag === 'h3' && f.label === 'Past conversations');
    await cust.page.locator('.shc-past .shc-conv').first().click();
    await expectOnce(cust.page, again);
    assert.equal(await input(cust.page).count(), 0, 'a past conversation has no composer');
    assert.equal((await focused(cust.page)).label, 'Back to the conversation');
    assert.deepEqual(await runAxe(cust.page), [], 'axe on a past conversation');
    await cust.page.keyboard.press('Enter');
    await input(cust.page).waitFor({ timeout: TIMEOUT });
    assert.equal((await focused(cust.page)).label, 'Past conversations (1)');
  });

  it('inserts a canned reply with the keyboard only', async () => {
    const owner = await agentTab({ sub: 2003, name: 'Olga', role: 'OWNER' });
    await owner.page.getByRole('button', { name: 'Desk settings' }).click();
    await owner.page.getByRole('heading', { name: 'Desk settings' }).waitFor({ timeout: TIMEOUT });
    assert.equal((await focused(owner.page)).label, 'Desk settings', 'focus on the heading');
    await owner.page.getByLabel(/Expected reply time/).fill('30');
    await owner.page.getByRole('button', { name: 'Save settings' }).click();
    await owner.page
      .getByRole('status')
      .filter({ hasText: 'Saved.' })
      .first()
      .waitFor({ timeout: TIMEOUT });
    await owner.page.getByRole('button', { name: 'Add canned reply' }).click();
    await owner.page.getByLabel('Shortcut').fill('thanks');
    await owner.page
      .getByLabel(/Reply text/)
      .fill('Thanks {{customer.name}}! {{agent.name}} from {{business.name}} is on it.');
    await owner.page.getByRole('button', { name: 'Save', exact: true }).click();
    await owner.page.getByText('/thanks').waitFor({ timeout: TIMEOUT });
    assert.deepEqual(await runAxe(owner.page), [], 'axe on the settings panel');

    const name = unique('Cleo').replace(' ', '');
    const cust = await customerTab(name);
    await openCustomerPanel(cust.page);
    await send(cust.page, unique('Is my bike ready?'));

    const { page } = await agentTab();
    await inboxItem(page, name).waitFor({ timeout: TIMEOUT });
    await tabUntil(
      page,
      (f) => f.className.includes('shc-conv') && f.label.includes(name),
      'Tab',
      60,
    );
    await page.keyboard.press('Enter');
    await waitForFocus(page, (f) => f.tag === 'textarea');

    const box = input(page);
    const list = page.getByRole('listbox', { name: 'Canned replies' });
    await page.keyboard.type('/tha');
    await list.waitFor({ timeout: TIMEOUT });
    await shot(page, 'canned');
    assert.deepEqual(await runAxe(page), [], 'axe with the canned replies open');
    assert.equal(await box.getAttribute('aria-autocomplete'), 'list');
    assert.equal(await box.getAttribute('aria-controls'), await list.getAttribute('id'));
    const option = list.getByRole('option', { name: /\/thanks/ });
    assert.equal(await box.getAttribute('aria-activedescendant'), await option.getAttribute('id'));
    assert.equal(await option.getAttribute('aria-selected'), 'true');

    // Escape closes the list only: the thread stays, the text stays.
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'hidden' });
    assert.equal(await box.getAttribute('aria-activedescendant'), null);
    assert.equal(await box.inputValue(), '/tha');
    assert.equal((await focused(page)).tag, 'textarea');

    // Typed again, arrows move the choice and Enter inserts it with its variables filled in.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('/th');
    await list.waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    const text = `Thanks ${name}! Alice from Northwind Bikes is on it.`;
    assert.equal(await box.inputValue(), text);
    await list.waitFor({ state: 'hidden' });
    assert.equal((await focused(page)).tag, 'textarea');
    await page.keyboard.press('Enter');
    await expectOnce(cust.page, text);
  });

  it("never shows a private note on the customer's side, also after a reload", async () => {
    const name = unique('Noor').replace(' ', '');
    const cust = await customerTab(name);
    await openCustomerPanel(cust.page);
    await send(cust.page, unique('Can I pay on collection?'));

    const { page } = await agentTab();
    await openAgentThread(page, name);
    const note = unique('Note: regular customer, offer the loyalty discount');
    // Keyboard only: back from the reply box to the switch, and Enter.
    await waitForFocus(page, (f) => f.tag === 'textarea');
    await tabUntil(page, (f) => f.label === 'Private note', 'Shift+Tab');
    await page.keyboard.press('Enter');
    assert.equal(
      await page.getByRole('button', { name: 'Private note' }).getAttribute('aria-pressed'),
      'true',
    );
    assert.equal((await focused(page)).tag, 'textarea', 'focus goes back to the text box');
    await page.keyboard.type(note);
    await page.keyboard.press('Enter');
    const shown = log(page).locator('.shc-private', { hasText: note });
    await shown.waitFor({ timeout: TIMEOUT });
    assert.match(await shown.innerText(), /Private note/, 'labelled, not only coloured');
    await shot(page, 'note');
    assert.deepEqual(await runAxe(page), [], 'axe in note mode, with a note shown');
    await page
      .getByRole('group', { name: 'Write as' })
      .getByRole('button', { name: 'Reply' })
      .click();
    const reply = unique('Yes, card or cash on collection');
    await send(page, reply);

    await expectOnce(cust.page, reply);
    await cust.page.waitForTimeout(500);
    assert.ok(!(await shadowText(cust.page)).includes(note), 'no note in the live panel');
    await cust.page.reload();
    await launcher(cust.page).waitFor({ timeout: TIMEOUT });
    await openCustomerPanel(cust.page);
    await expectOnce(cust.page, reply);
    assert.ok(!(await shadowText(cust.page)).includes(note), 'no note after a reload');
    const res = await cust.page.evaluate(async () => {
      const s = await (
        await fetch('/demo/session?' + location.search.slice(1) + '&as=customer')
      ).json();
      const h = { authorization: 'Bearer ' + s.token };
      const list = await (await fetch('/api/v1/conversations', { headers: h })).json();
      const bodies = [];
      for (const c of list.items) {
        const page = await (
          await fetch(`/api/v1/conversations/${c.id}/messages`, { headers: h })
        ).json();
        bodies.push(...page.items.map((m) => m.body), c.lastMessage?.body ?? '');
      }
      return bodies.join('\n');
    });
    assert.ok(!res.includes(note), 'no note in the customer history or lastMessage');
    // Staff see it in the inbox preview, marked as a note.
    await inboxItem(page, name).waitFor();
  });

  it("finds last month's message and opens it in its conversation", async () => {
    const name = unique('Sami').replace(' ', '');
    const word =
      'sprocket' +
      Math.random()
        .toString(36)
        .replace(/[^a-z]/g, '')
        .slice(0, 6);
    const cust = await customerTab(name);
    await openCustomerPanel(cust.page);
    const old = `Warranty claim for the ${word} I bought`;
    await send(cust.page, old);
    await cust.page.getByText('Sent', { exact: true }).last().waitFor({ timeout: TIMEOUT });
    const id = sql(
      env,
      `UPDATE messages SET created_at = now() - interval '31 days' WHERE body = '${old}' RETURNING id`,
    );
    assert.match(id, /^\d+$/);
    // A month of conversation after it, so the thread opens far from its latest page.
    sql(
      env,
      `INSERT INTO messages (conversation_id, sender_id, sender_role, body, created_at)
       SELECT m.conversation_id, m.sender_id, m.sender_role, 'Later message ' || g,
              now() - interval '30 days' + g * interval '10 hours'
       FROM messages m, generate_series(1, 70) g WHERE m.id = ${id}`,
    );

    const { page } = await agentTab();
    await page.getByRole('searchbox', { name: 'Search messages' }).fill(word);
    await page.keyboard.press('Enter');
    const hit = page.locator('.shc-results li', { hasText: word });
    await hit.waitFor({ timeout: TIMEOUT });
    assert.equal((await hit.locator('mark').first().innerText()).toLowerCase(), word);
    await heard(page, /1 result/);
    // Keyboard only: from the search box to the hit, and Enter.
    await tabUntil(page, (f) => f.className.includes('shc-hit-item'));
    await page.keyboard.press('Enter');

    const msg = log(page).locator(`[data-id="${id}"]`);
    await msg.waitFor({ timeout: TIMEOUT });
    await page.locator('.shc-hit', { hasText: word }).waitFor({ timeout: TIMEOUT });
    const f = await focused(page);
    assert.equal(f.tag, 'li', 'focus on the message found');
    assert.match(f.label, new RegExp(word));
    const place = await page.evaluate((mid) => {
      const root = document.querySelector('#servihub-chat').shadowRoot;
      const el = root.querySelector(`.shc-log [data-id="${mid}"]`).getBoundingClientRect();
      const box = root.querySelector('.shc-log');
      const r = box.getBoundingClientRect();
      return {
        inView: el.top >= r.top - 1 && el.bottom <= r.bottom + 1,
        atBottom: box.scrollHeight - box.scrollTop - box.clientHeight < 80,
        days: [...root.querySelectorAll('.shc-day')].map((d) => d.textContent),
      };
    }, id);
    assert.ok(place.inView, 'the message is scrolled into view');
    assert.ok(!place.atBottom, 'the thread is opened at the message, not at its end');
    assert.notEqual(place.days[0], 'Today', 'its day is a month back: ' + place.days[0]);
    await log(page).getByText('Later message 70').waitFor({ timeout: TIMEOUT });
    await heard(page, /shown in its conversation/);
    await shot(page, 'search');
    assert.deepEqual(await runAxe(page), [], 'axe with search results and the message found');
  });
  it('reflows the desk at 320 CSS px: filters, search, controls, snooze and settings', async () => {
    const name = unique('Tiny').replace(' ', '');
    const cust = await customerTab(name);
    await openCustomerPanel(cust.page);
    await send(cust.page, unique('A question from a small screen'));
    const { page } = await agentTab({ sub: 2004, name: 'Petra', role: 'OWNER' });
    await page.setViewportSize({ width: 320, height: 640 });
    const fits = async (what) => {
      const widths = await page.evaluate(() => {
        const root = document.querySelector('#servihub-chat').shadowRoot;
        const over = [...root.querySelectorAll('button, input, select, textarea, li, h2, p')]
          .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > 321)
          .map((e) => e.outerHTML.slice(0, 80));
        return { scroll: document.documentElement.scrollWidth, over };
      });
      assert.ok(widths.scroll <= 320, `${what}: no horizontal scrolling (${widths.scroll})`);
      assert.deepEqual(widths.over, [], `${what}: everything on screen`);
    };
    await inboxItem(page, name).waitFor({ timeout: TIMEOUT });
    await fits('inbox with filters');
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('small screen');
    await page.keyboard.press('Enter');
    await page.locator('.shc-results li').first().waitFor({ timeout: TIMEOUT });
    await fits('search results');
    await page.getByRole('button', { name: 'Clear search' }).click();
    await openAgentThread(page, name);
    await actions(page).getByRole('button', { name: 'Snooze…' }).click();
    await page.getByLabel('Snooze until').waitFor();
    await fits('thread with the desk controls and the snooze form');
    await shot(page, '320-snooze');
    assert.deepEqual(await runAxe(page), [], 'axe at 320 px with the snooze form');
    await page.getByLabel('Snooze until').press('Escape');
    assert.equal((await focused(page)).label, 'Snooze…', 'focus back on Snooze');
    await page.getByRole('button', { name: 'Back to inbox' }).click();
    await page.getByRole('button', { name: 'Desk settings' }).click();
    await page.getByRole('heading', { name: 'Desk settings' }).waitFor();
    await page.getByRole('button', { name: 'Add canned reply' }).waitFor({ timeout: TIMEOUT });
    await fits('desk settings');
    await shot(page, '320-settings');
    assert.deepEqual(await runAxe(page), [], 'axe at 320 px on the settings');
  });
});
