/** WCAG 2.1 relative luminance and contrast, on `rgb()`/`rgba()` strings as getComputedStyle gives them. */

export function parseRgb(css: string): [number, number, number] | null {
  const m = /rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(css);
  return m ? [+m[1], +m[2], +m[3]] : null;
}

export function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

export const WHITE: [number, number, number] = [255, 255, 255];
export const INK: [number, number, number] = [17, 24, 39];

/** White or near-black, whichever reads better on `bg`. */
export function readableOn(bg: [number, number, number]): string {
  return contrast(bg, WHITE) >= contrast(bg, INK) ? '#fff' : '#111827';
}
