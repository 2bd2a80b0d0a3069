import type { CannedReply } from '../protocol';

/** The values a canned reply's `{{…}}` variables stand for. */
export interface CannedVars {
  'customer.name'?: string | null;
  'agent.name'?: string | null;
  'business.name'?: string | null;
}

/**
 * Fills `{{customer.name}}`, `{{agent.name}}` and `{{business.name}}` (spaces inside the braces
 * allowed). A variable without a value, or one this console does not know, stays as written so
 * the agent sees it and edits it before sending.
 */
export function substitute(body: string, vars: CannedVars): string {
  return body.replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/gi, (whole, name: string) => {
    const v = vars[name.toLowerCase() as keyof CannedVars];
    return v ? v : whole;
  });
}

/**
 * The `/shortcut` being typed at the caret: a `/` at the start of the text or after a space,
 * followed by shortcut characters up to the caret. Null when the caret is not in one.
 */
export function cannedQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)\/([a-z0-9_-]*)$/i.exec(text.slice(0, caret));
  if (!m) return null;
  return { start: m.index + m[1].length, query: m[2].toLowerCase() };
}

/**
 * Canned replies for a query, best first: shortcuts that start with it, then shortcuts that
 * contain it, then (from three characters on, where a match means something) replies whose
 * text contains it; each group in shortcut order.
 */
export function filterCanned(list: CannedReply[], query: string, max = 8): CannedReply[] {
  const q = query.toLowerCase();
  const rank = (r: CannedReply) => {
    const s = r.shortcut.toLowerCase();
    if (s.startsWith(q)) return 0;
    if (s.includes(q)) return 1;
    if (q.length >= 3 && r.body.toLowerCase().includes(q)) return 2;
    return -1;
  };
  return list
    .map((r) => [rank(r), r] as const)
    .filter(([n]) => n >= 0)
    .sort((a, b) => a[0] - b[0] || (a[1].shortcut < b[1].shortcut ? -1 : 1))
    .slice(0, max)
    .map(([, r]) => r);
}

/** The text with the `/query` at `start..caret` replaced by `body`; the caret goes after it. */
export function insertCanned(
  text: string,
  start: number,
  caret: number,
  body: string,
): { text: string; caret: number } {
  const next = text.slice(0, start) + body + text.slice(caret);
  return { text: next, caret: start + body.length };
}
