import { describe, expect, it } from 'vitest';
import { contrast, parseRgb, readableOn } from '../src/ui/contrast';
import {
  dayLabel,
  excerpt,
  fileKind,
  fileSize,
  filesOf,
  formatTime,
  initials,
  linkify,
} from '../src/ui/format';
import { STRINGS, fill } from '../src/ui/strings';
import { message } from './fakes';

describe('dates and times', () => {
  const now = new Date(2026, 11, 1, 15, 0);
  it('labels days as today, yesterday or a date', () => {
    expect(dayLabel(new Date(2026, 11, 1, 9).toISOString(), STRINGS, 'en-GB', now)).toBe('Today');
    expect(dayLabel(new Date(2026, 10, 30, 23).toISOString(), STRINGS, 'en-GB', now)).toBe(
      'Yesterday',
    );
    expect(dayLabel(new Date(2026, 10, 25, 9).toISOString(), STRINGS, 'en-GB', now)).toBe(
      'Wednesday 25 November',
    );
    expect(dayLabel(new Date(2025, 10, 25, 9).toISOString(), STRINGS, 'en-US', now)).toBe(
      'Tuesday, November 25, 2025',
    );
  });

  it('writes times the way the locale does, without a forced leading zero', () => {
    const at = new Date(2026, 11, 1, 9, 5).toISOString();
    expect(formatTime(at, 'en-US')).toBe('9:05 AM');
    expect(formatTime(at, 'de-DE')).toBe('9:05');
    expect(formatTime('not a date')).toBe('');
  });
});

describe('files', () => {
  const a = { id: '7', url: '/a', mimeType: 'application/pdf', sizeBytes: 1536, width: null };
  it('names the kind and size', () => {
    expect(fileKind({ ...a, height: null, fileName: 'quote.final.docx' })).toBe('DOCX');
    expect(fileKind({ ...a, height: null, fileName: null })).toBe('PDF');
    expect(fileSize(12)).toBe('12 B');
    expect(fileSize(1536)).toBe('2 KB');
    expect(fileSize(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('reads the attachment id from an older message that only has fileUrl', () => {
    const m = message('9', { fileUrl: '/api/v1/attachments/42', mimeType: 'image/png' });
    expect(filesOf(m)[0]).toMatchObject({ id: '42', mimeType: 'image/png', fileName: null });
  });
});

describe('text', () => {
  it('links web addresses without swallowing the punctuation after them', () => {
    expect(linkify('See https://example.com/a?b=1, or www.example.org.')).toEqual([
      'See ',
      { href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1' },
      ', or ',
      { href: 'https://www.example.org', text: 'www.example.org' },
      '.',
    ]);
    expect(linkify('no links here')).toEqual(['no links here']);
  });

  it('makes initials and excerpts', () => {
    expect(initials('Northwind Bikes • Alice')).toBe('A');
    expect(initials('casey jones')).toBe('CJ');
    expect(excerpt('a'.repeat(50), 10)).toBe('aaaaaaaaa…');
    expect(fill('Chat with {name}', { name: 'Bikes' })).toBe('Chat with Bikes');
  });
});

describe('contrast', () => {
  it('computes WCAG ratios from computed colours', () => {
    expect(contrast([255, 255, 255], [0, 0, 0])).toBeCloseTo(21, 1);
    // The review's numbers: white on amber, the old focus ring on the default blue.
    expect(contrast(parseRgb('rgb(251, 191, 36)')!, [255, 255, 255])).toBeCloseTo(1.67, 1);
    expect(contrast(parseRgb('rgb(194, 65, 12)')!, parseRgb('rgb(29, 78, 216)')!)).toBeLessThan(
      1.4,
    );
  });

  it('picks dark text on a light brand colour and white on a dark one', () => {
    expect(readableOn([251, 191, 36])).toBe('#111827');
    expect(readableOn([29, 78, 216])).toBe('#fff');
    expect(readableOn([20, 83, 45])).toBe('#fff');
  });
});
