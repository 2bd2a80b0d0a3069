import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { PANEL_CSS } from './src/ui/styles';

const resolve = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The source is written against React's API; Preact renders it at a fraction of React's size,
// which is what keeps the UMD bundle inside its 20 kB gzip budget (see src/react/index.ts).
const alias = [
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react-dom\/client$/, replacement: resolve('src/react/dom-client.ts') },
  { find: /^react$/, replacement: resolve('src/react/index.ts') },
];

// Two builds: the customer bundle (`chat-widget.umd.js`, size-checked, the launcher and panel
// only) and, with CHAT_BUILD=console, the full build: the console UMD bundle that agent mode
// loads, and the ES module for bundlers.
const consoleBuild = process.env.CHAT_BUILD === 'console';
// CHAT_BUILD=panel: the customer panel's view, loaded on first open, sharing the customer
// bundle's modules (listed here, exposed there as `ServiHubChat.__m`).
const panelBuild = process.env.CHAT_BUILD === 'panel';
const SHARED: [RegExp, string][] = [
  [/^preact\/jsx-runtime$/, 'jsx'],
  [/^react$/, 'react'],
  [/src\/api\/rest(\.ts)?$/, 'rest'],
  [/src\/protocol(\/index(\.ts)?)?$/, 'protocol'],
  [/src\/store\/messages(\.ts)?$/, 'messages'],
  [/src\/store\/state(\.ts)?$/, 'state'],
  [/src\/ui\/context(\.ts)?$/, 'context'],
  [/src\/ui\/panel(\.ts)?$/, 'panel'],
];
const shared = (id: string, importer?: string) => {
  const path =
    id.startsWith('.') && importer ? resolve(new URL(id, 'file://' + importer).href) : id;
  return SHARED.find(([re]) => re.test(path))?.[1];
};

export default defineConfig({
  resolve: { alias },
  plugins:
    consoleBuild || panelBuild
      ? []
      : [
          {
            name: 'panel-css',
            generateBundle() {
              this.emitFile({ type: 'asset', fileName: 'chat-panel.css', source: PANEL_CSS });
            },
          },
        ],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    emptyOutDir: !consoleBuild && !panelBuild,
    rolldownOptions: panelBuild
      ? {
          external: (id: string, importer?: string) => !!shared(id, importer),
          output: {
            globals: (id: string) => 'ServiHubChat.__m.' + (shared(id) ?? id),
          },
        }
      : {},
    lib: panelBuild
      ? {
          entry: 'src/panel-entry.ts',
          name: 'ServiHubChatPanel',
          formats: ['umd'],
          fileName: () => 'chat-panel.umd.js',
        }
      : consoleBuild
        ? {
            entry: 'src/index.ts',
            name: 'ServiHubChatConsole',
            formats: ['umd', 'es'],
            fileName: (format) => (format === 'es' ? 'chat-widget.es.js' : 'chat-console.umd.js'),
          }
        : {
            entry: 'src/widget.ts',
            name: 'ServiHubChat',
            formats: ['umd'],
            fileName: () => 'chat-widget.umd.js',
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
