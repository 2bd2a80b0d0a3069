// End-to-end: the agent console is open first, then a customer the business has never seen
// opens the widget. Both must see each other online at once, the inbox must show the new
// conversation and its unread count live, and closing the tab must take the customer offline.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTab, start } from './harness.mjs';
import { TIMEOUT, inboxItem, launcher, send, unique } from './page.mjs';

/** Presence is announced at once; this leaves room for a loaded machine, not for a poll. */
const AT_ONCE = 1_000;

let env;

describe('a newcomer meets an agent who is already online', { timeout: 120_000 }, () => {
  before(async () => {
    env = await start();
  });

  after(async () => {
    await env?.stop();
  });

  it('shows both sides online, the new conversation and its unread count, live', async () => {
    const agent = await openTab(env, '/demo/agent');
    await agent.page.locator('.shc-inbox, .shc-conv').first().waitFor({ timeout: TIMEOUT });

    const id = 500_000 + Math.floor(Math.random() * 400_000);
    const name = unique('Nina').replace(' ', '');
    const customer = await openTab(env, `/demo/customer?user=${id}&name=${name}`);
    await customer.page.waitForFunction(() => window.__chatConnection?.status === 'online', null, {
      timeout: TIMEOUT,
    });
    const connectedAt = Date.now();
    const row = inboxItem(agent.page, name);
    const seen = (locator) =>
      locator.waitFor({ timeout: TIMEOUT }).then(() => Date.now() - connectedAt);
    const [customerSaw, agentSaw] = await Promise.all([
      seen(customer.page.locator('.shc-launcher, .shc-header').first()).then(async () => {
        await launcher(customer.page).click();
        return seen(customer.page.locator('.shc-header .shc-online'));
      }),
      seen(row.locator('.shc-online')),
    ]);
    assert.ok(customerSaw <= AT_ONCE, `customer saw staff online after ${customerSaw} ms`);
    assert.ok(agentSaw <= AT_ONCE, `agent saw the newcomer online after ${agentSaw} ms`);

    await send(customer.page, unique('Hello, is anyone there?'));
    await send(customer.page, unique('I would like to book a repair'));
    await row.getByText('2 unread').waitFor({ timeout: AT_ONCE * 3 });

    await customer.context.close();
    await row.locator('.shc-presence:not(.shc-online)').waitFor({ timeout: 5_000 });
    await agent.context.close();
  });
});
