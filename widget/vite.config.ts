import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const resolve = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The source is written against React's API; Preact renders it at a fraction of React's size,
// which is what keeps the UMD bundle inside its 20 kB gzip budget (see src/react/index.ts).
const alias = [
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react-dom\/client$/, replacement: resolve('src/react/dom-client.ts') },
  { find: /^react$/, replacement: resolve('src/react/index.ts') },
];

export default defineConfig({
  resolve: { alias },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    lib: {
      entry: 'src/index.ts',
      name: 'ServiHubChat',
      formats: ['umd', 'es'],
      fileName: (format) => `chat-widget.${format}.js`,
    },
    sourcemap: true,
    minify: true,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['test/**/*.test.{ts,tsx}'],
    setupFiles: ['test/setup.ts'],
    // Bundle zustand with the tests too, so its `react` import gets the same alias as the build.
    server: { deps: { inline: ['zustand'] } },
  },
});
