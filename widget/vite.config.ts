import { defineConfig } from 'vitest/config';

// React's API is kept in the source; preact/compat provides it at a fraction of the size,
// which is what keeps the UMD bundle inside its 20 kB gzip budget.
const alias = {
  react: 'preact/compat',
  'react-dom': 'preact/compat',
  'react/jsx-runtime': 'preact/jsx-runtime',
};

export default defineConfig({
  resolve: { alias },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2019',
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
  },
});
