// Fails the build when the UMD bundle grows past its gzip budget (gzip -9, as embedders see it).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const LIMIT = 20_000;
const file = new URL('../dist/chat-widget.umd.js', import.meta.url);
const size = gzipSync(readFileSync(file), { level: 9 }).length;
const verdict = size <= LIMIT ? 'ok' : 'over budget';
console.log(`chat-widget.umd.js: ${size} bytes gzipped (limit ${LIMIT}): ${verdict}`);
if (size > LIMIT) process.exit(1);
