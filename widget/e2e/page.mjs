// Page helpers for the end-to-end scenarios: locators into the widget and focus inspection.
import assert from 'node:assert/strict';

export const TIMEOUT = 15_000;

export const unique = (label) => `${label} ${Math.random().toString(36).slice(2, 8)}`;
/** The visible history (a labelled region; the live region is a separate, hidden log). */
export const log = (page) => page.locator('.shc-log');
export const input = (page) => page.getByLabel('Message', { exact: true });
export const launcher = (page) => page.locator('.shc-launcher');
export const inboxItem = (page, name) => page.locator('.shc-conv', { hasText: name });

/** Waits until `text` shows in the log, then asserts it shows exactly once. */
export async function expectOnce(page, text) {
  const bubbles = log(page).locator('.shc-bubble', { hasText: text });
  await bubbles.first().waitFor({ timeout: TIMEOUT });
  await page.waitForTimeout(300);
  assert.equal(await bubbles.count(), 1, `"${text}" should appear exactly once`);
}

export async function send(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

export async function openCustomerPanel(page) {
  if (!(await page.getByRole('dialog').isVisible())) await launcher(page).click();
  await input(page).waitFor({ timeout: TIMEOUT });
}

export async function openAgentThread(page, name) {
  await inboxItem(page, name).first().click({ timeout: TIMEOUT });
  await input(page).waitFor({ timeout: TIMEOUT });
}

/** The element focused inside the widget's shadow root, described for assertions. */
export function focused(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el) return null;
    const style = getComputedStyle(el);
    return {
      tag: el.tagName.toLowerCase(),
      className: String(el.className),
      label: el.getAttribute('aria-label') || el.textContent.trim(),
      outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    };
  });
}

export async function waitForFocus(page, predicate) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const f = await focused(page);
    if (f && predicate(f)) return f;
    if (Date.now() > deadline) throw new Error('focus is on ' + JSON.stringify(f));
    await page.waitForTimeout(50);
  }
}

export async function tabUntil(page, predicate, key = 'Tab', max = 40) {
  for (let i = 0; i < max; i++) {
    const f = await focused(page);
    if (f && predicate(f)) return f;
    await page.keyboard.press(key);
  }
  throw new Error('focus never reached the expected control');
}
