/** A snippet cut into plain runs and matched runs, for `<mark>`: text only, never HTML. */
export function snippetParts(
  snippet: string,
  highlights: [number, number][],
): { text: string; match: boolean }[] {
  // Offsets count characters (code points), as the node counts them, not UTF-16 units.
  const chars = Array.from(snippet);
  const spans = highlights
    .map(([a, b]) => [Math.max(0, a), Math.min(chars.length, b)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [a, b] of spans) {
    const from = Math.max(a, at);
    if (from >= b) continue;
    if (from > at) out.push({ text: chars.slice(at, from).join(''), match: false });
    out.push({ text: chars.slice(from, b).join(''), match: true });
    at = b;
  }
  if (at < chars.length) out.push({ text: chars.slice(at).join(''), match: false });
  return out;
}
