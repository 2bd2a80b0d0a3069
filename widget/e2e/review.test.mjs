// End-to-end checks of the accessibility and product review (issue 12), each in Chromium against
// a real node: keyboard-only where the defect is about the keyboard, the exact text that enters
// the live region, contrast from computed colours, reflow at 320 CSS px, axe with no violation of
// any impact, and the screenshots shown in the README.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openTab, repoRoot, runAxe, start } from './harness.mjs';
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

const shots = resolve(repoRoot, 'docs/screenshots');
let env;
let agent;
let nextUser = 1100;

/** A customer of its own, so each scenario starts from an empty conversation. */
async function customerTab(name, options = {}) {
  const user = nextUser++;
  const query = new URLSearchParams({ user: String(user), name, ...(options.query ?? {}) });
  const tab = await openTab(env, '/demo/customer?' + query, options);
  await launcher(tab.page).waitFor({ timeout: TIMEOUT });
  return tab;
}

/**
 * Records every line added to the widget's live regions, as a screen reader would get it: the
 * message log and the status region separately.
 */
async function listen(page) {
  await page.evaluate(() => {
    window.__said = { log: [], status: [] };
    const root = document.querySelector('#servihub-chat').shadowRoot;
    const watch = (el, into) =>
      new MutationObserver((records) => {
        for (const r of records)
          for (const n of r.addedNodes) {
            const text = n.textContent.trim();
            if (text) into.push(text);
          }
      }).observe(el, { childList: true, subtree: true, characterData: true });
    root
      .querySelectorAll('[aria-live]:not([aria-live=off]),[role=log],[role=status]')
      .forEach((el) =>
        watch(el, el.getAttribute('role') === 'log' ? window.__said.log : window.__said.status),
      );
  });
}
const said = (page) => page.evaluate(() => window.__said);

/** Contrast between two `rgb()` strings (WCAG 2.1). */
function ratio(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css
      .match(/[\d.]+/g)
      .slice(0, 3)
      .map(Number);
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(bl);
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** In the page: the colour behind an element (first opaque background up the tree). */
const BACKDROP = `(el) => {
  for (let n = el; n; n = n.parentElement || n.getRootNode().host) {
    const bg = getComputedStyle(n).backgroundColor;
    if (bg && !/rgba\\(.*,\\s*0\\)$/.test(bg) && bg !== 'transparent') return bg;
  }
  return 'rgb(255, 255, 255)';
}`;

describe('accessibility and product review', { timeout: 600_000 }, () => {
  before(async () => {
    env = await start();
    agent = await openTab(env, '/demo/agent', {
      context: { viewport: { width: 1280, height: 800 } },
    });
  });

  after(async () => {
    await env?.stop();
  });

  it('Escape on a message menu closes the menu, then the panel (keyboard only)', async () => {
    const { page, context } = await customerTab('Kim');
    try {
      await tabUntil(page, (x) => x.className.includes('shc-launcher'));
      await page.keyboard.press('Enter');
      await waitForFocus(page, (x) => x.tag === 'textarea');
      const text = unique('Menu check');
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
      await expectOnce(page, text);
      await page.getByText('Sent', { exact: true }).waitFor({ timeout: TIMEOUT });
      await tabUntil(page, (x) => /Actions for message from You/.test(x.label), 'Shift+Tab');
      await page.keyboard.press('Enter');
      await page.getByRole('group', { name: 'Message actions' }).waitFor();
      // Escape with focus on the toggle itself.
      await page.keyboard.press('Escape');
      await page.getByRole('group', { name: 'Message actions' }).waitFor({ state: 'detached' });
      assert.ok(await page.getByRole('dialog').isVisible(), 'the panel stays open');
      assert.match((await focused(page)).label, /Actions for message from You/);
      // And from inside the menu.
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      assert.match((await focused(page)).label, /React with/);
      await page.keyboard.press('Escape');
      assert.match((await focused(page)).label, /Actions for message from You/);
      assert.ok(await page.getByRole('dialog').isVisible(), 'the panel stays open');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      assert.ok((await focused(page)).className.includes('shc-launcher'));
    } finally {
      await context.close();
    }
  });

  it('asks before deleting and keeps focus on the message (keyboard only)', async () => {
    const { page, context } = await customerTab('Lee');
    try {
      await tabUntil(page, (x) => x.className.includes('shc-launcher'));
      await page.keyboard.press('Enter');
      await waitForFocus(page, (x) => x.tag === 'textarea');
      const text = unique('Delete me');
      await page.keyboard.type(text);
      await page.keyboard.press('Enter');
      await page.getByText('Sent', { exact: true }).waitFor({ timeout: TIMEOUT });
      await tabUntil(page, (x) => /Actions for message from You/.test(x.label), 'Shift+Tab');
      await page.keyboard.press('Enter');
      await tabUntil(page, (x) => x.label === 'Delete');
      await page.keyboard.press('Enter');
      await page.getByText('Delete this message for everyone?').waitFor();
      assert.equal((await focused(page)).label, 'Cancel', 'the safe choice has focus');
      await page.keyboard.press('Shift+Tab');
      assert.equal((await focused(page)).label, 'Delete');
      await page.keyboard.press('Enter');
      await log(page).getByText('Message deleted').waitFor({ timeout: TIMEOUT });
      // Focus moves once the deleted message has rendered, which may be a frame later than
      // its text: wait for it (bounded), then say exactly what is wrong if it never came.
      await page
        .waitForFunction(
          () => {
            const inner = document.activeElement?.shadowRoot?.activeElement;
            return inner?.tagName === 'LI' && /Message deleted/.test(inner.textContent ?? '');
          },
          null,
          { timeout: TIMEOUT },
        )
        .catch(() => undefined);
      const f = await page.evaluate(() => {
        const host = document.activeElement;
        const inner = host?.shadowRoot?.activeElement;
        return { host: host?.id, tag: inner?.tagName, text: inner?.textContent };
      });
      assert.equal(f.host, 'servihub-chat', 'focus stays in the widget, not on <body>');
      assert.equal(f.tag, 'LI');
      assert.match(f.text, /Message deleted/);
      // Tab from there continues inside the conversation.
      await page.keyboard.press('Tab');
      assert.notEqual((await focused(page)).tag, 'body');
    } finally {
      await context.close();
    }
  });

  it('reflows the agent console at 320 CSS px', async () => {
    const { page, context } = await openTab(env, '/demo/agent', {
      context: { viewport: { width: 320, height: 640 } },
    });
    const cust = await customerTab('Reflow Rita');
    try {
      await openCustomerPanel(cust.page);
      const text = unique('A long question about the rear derailleur alignment and the price');
      await send(cust.page, text);
      await inboxItem(page, 'Reflow Rita').waitFor({ timeout: TIMEOUT });
      await openAgentThread(page, 'Reflow Rita');
      await expectOnce(page, text);
      await send(page, unique('A reply that is long enough to wrap over several lines here'));
      await page.waitForTimeout(300);
      const layout = await page.evaluate(() => {
        const root = document.querySelector('#servihub-chat').shadowRoot;
        const right = (sel) =>
          [...root.querySelectorAll(sel)].map((e) => e.getBoundingClientRect().right);
        return {
          scroll: document.documentElement.scrollWidth,
          send: right('.shc-send'),
          bubbles: right('.shc-bubble'),
          box: root.querySelector('.shc-row textarea').getBoundingClientRect().width,
        };
      });
      assert.ok(layout.scroll <= 320, 'no horizontal scrolling: ' + layout.scroll);
      assert.ok(layout.send[0] <= 320, 'the Send button is on screen: ' + layout.send);
      assert.ok(Math.max(...layout.bubbles) <= 320, 'bubbles fit: ' + layout.bubbles);
      assert.ok(layout.box >= 100, 'the reply box keeps a usable width: ' + layout.box);
      assert.deepEqual(await runAxe(page), [], 'axe at 320 px (agent console)');
    } finally {
      await context.close();
      await cust.context.close();
    }
  });

  it('on a phone the panel is modal, keeps Tab inside and does not pop the keyboard up', async () => {
    const { page, context } = await customerTab('Mo', {
      context: { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true },
    });
    try {
      await launcher(page).tap();
      await page.getByRole('dialog').waitFor();
      await input(page).waitFor({ timeout: TIMEOUT });
      assert.equal(await page.getByRole('dialog').getAttribute('aria-modal'), 'true');
      assert.notEqual(
        (await focused(page))?.tag,
        'textarea',
        'no auto-focus of the text box on touch',
      );
      assert.equal((await focused(page))?.className, 'shc-panel');
      for (let i = 0; i < 24; i++) {
        await page.keyboard.press(i % 5 === 4 ? 'Shift+Tab' : 'Tab');
        const inside = await page.evaluate(() => {
          const host = document.activeElement;
          return (
            host?.id === 'servihub-chat' && !!host.shadowRoot.activeElement?.closest('.shc-panel')
          );
        });
        assert.ok(inside, 'focus stays in the panel after ' + (i + 1) + ' presses');
      }
    } finally {
      await context.close();
    }
  });

  it('announces each incoming message once, in words, and nothing of menus, edits or chips', async () => {
    const { page, context } = await customerTab('Nia');
    try {
      await openCustomerPanel(page);
      const mine = unique('Hello, I need a tune-up');
      await send(page, mine);
      await expectOnce(page, mine);
      await inboxItem(agent.page, 'Nia').waitFor({ timeout: TIMEOUT });
      await openAgentThread(agent.page, 'Nia');
      await listen(page);
      const reply = unique('Sure, bring it in');
      await send(agent.page, reply);
      await expectOnce(page, reply);
      // Menus, reactions and edits inside the history.
      const own = log(page).locator('.shc-msg', { hasText: mine });
      await own.getByRole('button', { name: /Actions for message from You/ }).click();
      await own.getByRole('button', { name: 'React with heart' }).click();
      await own.getByRole('button', { name: /❤️ 1/ }).waitFor({ timeout: TIMEOUT });
      await own.getByRole('button', { name: /Actions for message from You/ }).click();
      await own.getByRole('button', { name: 'Edit', exact: true }).click();
      await log(page)
        .getByLabel('Edit message')
        .fill(mine + ' (Friday)');
      await log(page).getByLabel('Edit message').press('Enter');
      await log(page).getByText('(edited)').waitFor({ timeout: TIMEOUT });
      await page.waitForTimeout(500);
      const heard = await said(page);
      assert.deepEqual(heard.log, ['Northwind Bikes • Alice: ' + reply]);
      // The status region says only typing and connection changes.
      for (const line of heard.status) assert.match(line, /is typing…|Connect|offline/);
      // The visible history is not itself a live region.
      const live = await log(page).evaluate(
        (el) =>
          el.matches('[aria-live],[role=log],[role=status]') ||
          !!el.querySelector('[aria-live],[role=log],[role=status]'),
      );
      assert.equal(live, false);
    } finally {
      await context.close();
    }
  });

  it('announces messages that arrive while the panel is closed', async () => {
    const { page, context } = await customerTab('Oli');
    try {
      await openCustomerPanel(page);
      const first = unique('Is the shop open on Sunday');
      await send(page, first);
      await inboxItem(agent.page, 'Oli').waitFor({ timeout: TIMEOUT });
      await openAgentThread(agent.page, 'Oli');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await listen(page);
      const reply = unique('Yes, ten to four');
      await send(agent.page, reply);
      await page.getByRole('button', { name: /1 unread message/ }).waitFor({ timeout: TIMEOUT });
      await page.waitForTimeout(300);
      assert.deepEqual((await said(page)).log, [
        'New message from Northwind Bikes • Alice: ' + reply,
      ]);
    } finally {
      await context.close();
    }
  });

  it('names each message action button uniquely', async () => {
    const { page, context } = await customerTab('Pat');
    try {
      await openCustomerPanel(page);
      for (const text of ['First question', 'Second question', 'Third question']) {
        await send(page, text);
        await expectOnce(page, text);
      }
      await page.getByText('Sent', { exact: true }).waitFor({ timeout: TIMEOUT });
      const names = await log(page)
        .getByRole('button', { name: /Actions for message/ })
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      assert.equal(names.length, 3);
      assert.equal(new Set(names).size, 3, JSON.stringify(names));
      assert.match(names[1], /Second question/);
    } finally {
      await context.close();
    }
  });

  for (const primary of ['default', '#14532d', '#fbbf24']) {
    it(`keeps text and the focus ring readable on brand colour ${primary}`, async () => {
      const { page, context } = await customerTab('Quinn', { query: { primary } });
      try {
        await openCustomerPanel(page);
        const text = unique('Own bubble text, see https://example.com/x and');
        await send(page, text);
        await expectOnce(page, text);
        // Text on the brand colour: header, own bubble, send button, launcher.
        const pairs = await page.evaluate((backdrop) => {
          const bg = eval(backdrop);
          const root = document.querySelector('#servihub-chat').shadowRoot;
          return [
            '#shc-title',
            '.shc-sub',
            '.shc-own .shc-bubble',
            '.shc-send',
            '.shc-launcher',
          ].map((sel) => {
            const el = root.querySelector(sel);
            return { sel, fg: getComputedStyle(el).color, bg: bg(el) };
          });
        }, BACKDROP);
        for (const p of pairs)
          assert.ok(
            ratio(p.fg, p.bg) >= 4.5,
            `${p.sel}: ${p.fg} on ${p.bg} is ${ratio(p.fg, p.bg).toFixed(2)}:1`,
          );
        // The focus ring against what surrounds it, for every control in the panel (keyboard).
        await input(page).focus();
        const seen = new Set();
        for (let i = 0; i < 20; i++) {
          await page.keyboard.press('Shift+Tab');
          const ring = await page.evaluate((backdrop) => {
            const bg = eval(backdrop);
            let el = document.activeElement;
            while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
            if (!el || !el.closest('.shc-panel')) return null;
            const cs = getComputedStyle(el);
            // The ring sits outside the element (offset), so it is seen against the parent's colour.
            return {
              key: el.className + (el.getAttribute('aria-label') || el.textContent),
              ring: cs.outlineColor,
              width: parseFloat(cs.outlineWidth),
              bg: bg(el.parentElement || el.getRootNode().host),
            };
          }, BACKDROP);
          if (!ring || seen.has(ring.key)) continue;
          seen.add(ring.key);
          assert.ok(ring.width >= 2, 'a visible ring on ' + ring.key);
          assert.ok(
            ratio(ring.ring, ring.bg) >= 3,
            `focus ring ${ring.ring} on ${ring.bg} is ${ratio(ring.ring, ring.bg).toFixed(2)}:1 (${ring.key})`,
          );
        }
        assert.ok(seen.size >= 4, 'several controls checked: ' + [...seen].join(' | '));
        assert.deepEqual(await runAxe(page), [], 'axe with brand colour ' + primary);
      } finally {
        await context.close();
      }
    });
  }

  it('adds no banner landmark, sets its own language and direction, and takes a message table', async () => {
    const { page, context } = await customerTab('Ravi', {
      context: { locale: 'en-GB' },
    });
    try {
      await page.evaluate(() => (document.documentElement.dir = 'rtl'));
      await openCustomerPanel(page);
      await send(page, 'Done at 14:00.');
      await expectOnce(page, 'Done at 14:00.');
      assert.equal(await page.getByRole('banner').count(), 1, 'only the host page has a banner');
      const props = await page.evaluate(() => {
        const root = document.querySelector('#servihub-chat').shadowRoot;
        const r = root.querySelector('.shc-root');
        const b = [...root.querySelectorAll('.shc-bubble')].pop();
        return {
          lang: r.lang,
          dir: getComputedStyle(r).direction,
          bubbleDir: b.getAttribute('dir'),
          bubble: getComputedStyle(b).direction,
        };
      });
      assert.deepEqual(props, { lang: 'en', dir: 'ltr', bubbleDir: 'auto', bubble: 'ltr' });
      // A replaced message table, mounted by the host page.
      await page.evaluate(async () => {
        window.servihubChat.unmount();
        const s = await (await fetch('/demo/session?as=customer&user=1190&name=Ravi')).json();
        window.servihubChat = window.ServiHubChat.mount(document.getElementById('servihub-chat'), {
          apiUrl: location.origin,
          token: s.token,
          businessId: s.businessId,
          lang: 'fr',
          open: true,
          messages: { send: 'Envoyer', message: 'Message à envoyer', close: 'Fermer' },
        });
      });
      await page.getByRole('button', { name: 'Envoyer' }).waitFor({ timeout: TIMEOUT });
      await page.getByRole('button', { name: 'Fermer' }).waitFor();
      assert.equal(
        await page.evaluate(
          () => document.querySelector('#servihub-chat').shadowRoot.querySelector('.shc-root').lang,
        ),
        'fr',
      );
    } finally {
      await context.close();
    }
  });

  it("dates messages, writes times in the viewer's locale and groups runs from one sender", async () => {
    const { page, context } = await customerTab('Sam', { context: { locale: 'en-US' } });
    try {
      await openCustomerPanel(page);
      for (const text of ['Grouped one', 'Grouped two']) {
        await send(page, text);
        await expectOnce(page, text);
      }
      await log(page).getByRole('heading', { name: 'Today' }).waitFor();
      const metas = await log(page).locator('.shc-msg .shc-meta').count();
      assert.equal(metas, 1, 'two messages in a row share one label');
      const time = await log(page).locator('.shc-meta time').first().textContent();
      assert.match(time, /^[1-9]\d?:\d\d\s?[AP]M$/, 'no leading zero: ' + time);
      // Six days later the same messages carry their date.
      await page.clock.setFixedTime(new Date(Date.now() + 6 * 86_400_000));
      await page.reload();
      await openCustomerPanel(page);
      const label = await log(page).locator('.shc-day h3').first().textContent();
      assert.doesNotMatch(label, /Today|Yesterday/);
      assert.match(label, /^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}$/, 'a weekday and date: ' + label);
    } finally {
      await context.close();
    }
  });

  it('shows file names, sizes and types, and never puts the token in a file URL', async () => {
    const { page, context } = await customerTab('Tess');
    const urls = [];
    try {
      for (const p of [page, agent.page]) p.on('request', (r) => urls.push(r.url()));
      await openCustomerPanel(page);
      await page.getByLabel(/Attach a file/).setInputFiles({
        name: 'quote.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('Quote: two tyres, one chain.\n'),
      });
      await page.getByText('quote.pdf').waitFor();
      await send(page, 'Here is the quote');
      const file = log(page).locator('.shc-file', { hasText: 'quote.pdf' });
      await file.waitFor({ timeout: TIMEOUT });
      assert.match(await file.textContent(), /quote\.pdf\s*PDF · \d+ B/);
      await inboxItem(agent.page, 'Tess').waitFor({ timeout: TIMEOUT });
      await openAgentThread(agent.page, 'Tess');
      const theirs = log(agent.page).locator('.shc-file', { hasText: 'quote.pdf' });
      await theirs.waitFor({ timeout: TIMEOUT });
      await agent.page.waitForFunction(
        (el) => !!el.getAttribute('href'),
        await theirs.elementHandle(),
      );
      const href = await theirs.getAttribute('href');
      assert.match(href, /\/api\/v1\/attachments\/\d+\?exp=\d+&sig=[0-9a-f]+$/);
      const res = await agent.page.request.get(href);
      assert.equal(res.status(), 200, 'the signed link opens without a token');
      assert.equal(await res.text(), 'Quote: two tyres, one chain.\n');
      const leaked = urls.filter((u) => u.includes('/attachments/') && u.includes('access_token'));
      assert.deepEqual(leaked, []);
    } finally {
      await context.close();
    }
  });

  it('stays fixed to the viewport under a host transform and filter', async () => {
    const { page, context } = await customerTab('Uma');
    try {
      await page.addStyleTag({
        content: 'body { transform: translateZ(0); filter: saturate(1); min-height: 4000px; }',
      });
      await page.evaluate(() => window.scrollTo(0, 1500));
      await page.waitForTimeout(100);
      const box = await launcher(page).boundingBox();
      assert.ok(
        Math.abs(box.y + box.height - (800 - 16)) <= 2,
        'launcher at the viewport corner: ' + JSON.stringify(box),
      );
      await launcher(page).click();
      const panel = await page.getByRole('dialog').boundingBox();
      assert.ok(
        panel.y >= 0 && panel.y + panel.height <= 800,
        'panel on screen: ' + JSON.stringify(panel),
      );
    } finally {
      await context.close();
    }
  });

  it('keeps a half-typed message when the panel closes', async () => {
    const { page, context } = await customerTab('Vic');
    try {
      await openCustomerPanel(page);
      await input(page).fill('Half a thought');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await launcher(page).click();
      assert.equal(await input(page).inputValue(), 'Half a thought');
    } finally {
      await context.close();
    }
  });

  it('says clearly when offline, what happens to pending messages, and marks failed sends', async () => {
    const { page, context } = await customerTab('Wes');
    try {
      await openCustomerPanel(page);
      await context.setOffline(true);
      const sub = page.locator('.shc-header .shc-sub');
      await sub.getByText('You are offline').waitFor({ timeout: TIMEOUT });
      assert.doesNotMatch(await sub.textContent(), /online/);
      await send(page, 'Queued while offline');
      await log(page)
        .getByText(/will be sent when you are back online/)
        .waitFor();
      await context.setOffline(false);
      await expectOnce(page, 'Queued while offline');
      await page.locator('.shc-header .shc-presence').waitFor({ timeout: TIMEOUT });
      // A message the node refuses (over 4,000 characters) is marked on its bubble.
      await send(page, 'x'.repeat(4001));
      const failed = log(page).locator('.shc-msg[data-status=failed]');
      await failed.waitFor({ timeout: TIMEOUT });
      assert.match(await failed.textContent(), /Not sent/);
      const border = await failed
        .locator('.shc-bubble')
        .evaluate((el) => getComputedStyle(el).borderTopStyle);
      assert.equal(border, 'solid');
      await failed.getByRole('button', { name: 'Retry' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('looks finished: aligned meta, links, greeting, reply time, avatars, deleted style, launcher icon', async () => {
    const { page, context } = await customerTab('Xia Maximiliana Bartholomew-Fitzgerald');
    try {
      const closedIcon = await launcher(page).innerHTML();
      await openCustomerPanel(page);
      assert.notEqual(
        await launcher(page).innerHTML(),
        closedIcon,
        'the launcher shows a close icon when open',
      );
      await log(page).getByText('Hi there 👋').waitFor({ timeout: TIMEOUT });
      await page.getByText('Usually replies within a few minutes').waitFor();
      await send(page, 'Details at https://example.com/parts?id=7 please');
      const own = log(page).locator('.shc-msg', { hasText: 'Details at' });
      await own
        .getByRole('link', { name: 'https://example.com/parts?id=7' })
        .waitFor({ timeout: TIMEOUT });
      await page.getByText('Sent', { exact: true }).waitFor({ timeout: TIMEOUT });
      const [meta, bubble] = await Promise.all([
        own.locator('.shc-meta').boundingBox(),
        own.locator('.shc-bubble').boundingBox(),
      ]);
      assert.ok(
        Math.abs(meta.x + meta.width - (bubble.x + bubble.width)) <= 1,
        'own meta aligns with its bubble',
      );
      // The menu opens over the history, not inside it.
      await send(page, 'Second line');
      const next = log(page).locator('.shc-msg', { hasText: 'Second line' });
      await next.waitFor();
      // Measure once the send has settled (its status line and the log's scroll move it).
      const settledY = async () => {
        let y = (await next.boundingBox()).y;
        for (let i = 0; i < 30; i++) {
          await page.waitForTimeout(100);
          const again = (await next.boundingBox()).y;
          if (again === y) return y;
          y = again;
        }
        return y;
      };
      await page.getByText('Sent', { exact: true }).last().waitFor({ timeout: TIMEOUT });
      const before_ = await settledY();
      await own.getByRole('button', { name: /Actions for message from You/ }).click();
      await own.getByRole('group', { name: 'Message actions' }).waitFor();
      assert.equal((await next.boundingBox()).y, before_, 'opening a menu moves nothing');
      await own.getByRole('button', { name: 'Delete' }).click();
      await own.getByRole('button', { name: 'Delete' }).click();
      // The message keeps its place but not its text, so find it as the deleted one.
      const gone = log(page).locator('.shc-deleted');
      await gone.getByText('Message deleted').waitFor({ timeout: TIMEOUT });
      const deleted = await gone
        .locator('.shc-bubble')
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(deleted, 'rgba(0, 0, 0, 0)', 'a deleted message has no brand bubble');
      // The agent's reply shows an avatar; the inbox keeps the time on one line beside a long name.
      await inboxItem(agent.page, 'Xia').waitFor({ timeout: TIMEOUT });
      await openAgentThread(agent.page, 'Xia');
      await send(agent.page, 'Happy to help');
      await expectOnce(page, 'Happy to help');
      assert.equal(
        await log(page)
          .locator('.shc-msg', { hasText: 'Happy to help' })
          .locator('.shc-avatar')
          .textContent(),
        'A',
      );
      const row = inboxItem(agent.page, 'Xia');
      const [time, name] = await Promise.all([
        row.locator('time').boundingBox(),
        row.locator('strong').boundingBox(),
      ]);
      assert.ok(time.height <= name.height + 1, 'the inbox time does not wrap');
    } finally {
      await context.close();
    }
  });

  it('offers opt-in sound and tab-title alerts while the page is in the background', async () => {
    const { page, context } = await customerTab('Yan');
    try {
      await page.evaluate(() => {
        window.__tones = 0;
        const create = AudioContext.prototype.createOscillator;
        AudioContext.prototype.createOscillator = function () {
          window.__tones++;
          return create.call(this);
        };
      });
      await openCustomerPanel(page);
      await send(page, 'Ping me when you answer');
      await inboxItem(agent.page, 'Yan').waitFor({ timeout: TIMEOUT });
      await openAgentThread(agent.page, 'Yan');
      const toggle = page.getByRole('button', { name: 'Sound and tab alerts for new messages' });
      assert.equal(
        await toggle.getAttribute('aria-pressed'),
        'false',
        'off until the visitor opts in',
      );
      await toggle.click();
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      const title = await page.title();
      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => 'hidden',
        });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await send(agent.page, 'Answered');
      await page.waitForFunction(() => document.title.startsWith('(1) New message'), null, {
        timeout: TIMEOUT,
      });
      assert.equal(await page.evaluate(() => window.__tones), 1);
      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => 'visible',
        });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      assert.equal(await page.title(), title);
    } finally {
      await context.close();
    }
  });

  it('gives agents an inbox, thread and customer details with documented shortcuts', async () => {
    const a = await customerTab('Zoe');
    const b = await customerTab('Zed');
    try {
      for (const [tab, text] of [
        [a, 'Zoe asks'],
        [b, 'Zed asks'],
      ]) {
        await openCustomerPanel(tab.page);
        await send(tab.page, text);
        await inboxItem(agent.page, text.split(' ')[0]).waitFor({ timeout: TIMEOUT });
      }
      await openAgentThread(agent.page, 'Zed');
      const details = agent.page.getByRole('complementary', { name: 'Customer details' });
      await details.waitFor();
      await details.getByText('Zed').waitFor();
      // Presence as the node reports it, in words, and the same in the header and the details.
      const status = details.locator('dd').nth(1);
      await details.getByText(/Online now|Last seen|Not seen online yet/).waitFor();
      const online = (await agent.page.locator('.shc-main .shc-header .shc-online').count()) > 0;
      assert.equal((await status.textContent()) === 'Online now', online);
      await details.getByText('Other conversations').waitFor();
      await agent.page.getByText('Keyboard shortcuts').click();
      await agent.page.getByText('Next conversation').waitFor();
      // Alt+↓ / Alt+↑ move through the inbox; "/" goes to the reply box.
      const current = () => agent.page.locator('.shc-conv[aria-current=true] strong').textContent();
      assert.equal(await current(), 'Zed');
      await input(agent.page).focus();
      await agent.page.keyboard.press('Alt+ArrowDown');
      await agent.page.waitForFunction(() => true);
      assert.equal(await current(), 'Zoe');
      await agent.page.keyboard.press('Alt+ArrowUp');
      assert.equal(await current(), 'Zed');
      await log(agent.page).focus();
      await agent.page.keyboard.press('/');
      await waitForFocus(agent.page, (x) => x.tag === 'textarea');
      assert.equal(await input(agent.page).inputValue(), '', 'the "/" is not typed');
      assert.deepEqual(await runAxe(agent.page), [], 'axe on the agent console');
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('passes axe with the panel open and closed, and takes the README screenshots', async () => {
    const { page, context } = await customerTab('Casey Demo', {
      context: { viewport: { width: 1280, height: 800 } },
    });
    try {
      assert.deepEqual(await runAxe(page), [], 'axe with the panel closed');
      await openCustomerPanel(page);
      await send(page, 'Hi! My rear brake squeaks. Can you look at it this week?');
      await inboxItem(agent.page, 'Casey Demo').waitFor({ timeout: TIMEOUT });
      await openAgentThread(agent.page, 'Casey Demo');
      await send(agent.page, 'Of course. Thursday at 10:00 works, see https://example.com/booking');
      await expectOnce(page, 'Thursday at 10:00');
      await log(agent.page).click({ position: { x: 10, y: 10 } });
      await agent.page.evaluate(() =>
        document
          .querySelector('#servihub-chat')
          .shadowRoot.querySelector('.shc-inbox')
          .scrollTo(0, 0),
      );
      await agent.page.screenshot({ path: resolve(shots, 'agent-console.png') });
      await page
        .getByText('Read', { exact: true })
        .waitFor({ timeout: TIMEOUT })
        .catch(() => undefined);
      assert.deepEqual(await runAxe(page), [], 'axe with the panel open');
      await page.screenshot({ path: resolve(shots, 'customer-desktop.png') });
      await page.setViewportSize({ width: 375, height: 667 });
      await page.waitForTimeout(200);
      assert.deepEqual(await runAxe(page), [], 'axe on a phone');
      await page.screenshot({ path: resolve(shots, 'customer-phone.png') });
      await page.setViewportSize({ width: 320, height: 640 });
      assert.deepEqual(await runAxe(page), [], 'axe at 320 px (customer)');
    } finally {
      await context.close();
    }
  });
});
