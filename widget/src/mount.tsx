import type { ComponentType } from 'preact';
import { createRoot } from 'react-dom/client';
import { ChatController } from './store/controller';
import { totalUnread, type Mode } from './store/state';
import type { ConnectionStatus } from './transport/connection';
import type { TransportKind } from './transport/types';
import { ControllerContext } from './ui/context';
import { contrast, parseRgb, readableOn } from './ui/contrast';
import type { Strings } from './ui/strings';

export interface MountOptions {
  /** Base URL of the chat node, e.g. `https://chat.example.com`. */
  apiUrl: string;
  /** ServiHub JWT of the signed-in user. */
  token: string;
  /** Customer mode: the business to chat with. */
  businessId?: string;
  mode?: Mode;
  /** Theme variables: `{ colorPrimary: '#0f766e' }` or `{ '--shc-color-primary': '#0f766e' }`. */
  theme?: Record<string, string>;
  /** Customer mode: header title (defaults to the business name). */
  title?: string;
  /** Customer mode: start with the panel open. */
  open?: boolean;
  /** Language of the texts (`lang` attribute; default `en`). */
  lang?: string;
  /** Writing direction of the widget (default `ltr`); the host page's direction never leaks in. */
  dir?: 'ltr' | 'rtl';
  /** Replacements for any of the built-in English texts (see `STRINGS`). */
  messages?: Partial<Strings>;
  /** Locale for dates and times (default: the browser's). */
  locale?: string;
  /** Start with the sound and tab-title alerts for background messages on. */
  notify?: boolean;
  /** Agent mode from the customer bundle: where the console bundle is (default: beside it). */
  consoleUrl?: string;
}

export interface WidgetEvents {
  unread: { count: number };
  connection: { status: ConnectionStatus; transport: TransportKind | null };
}

export type WidgetEventName = keyof WidgetEvents;

export interface WidgetHandle {
  unmount(): void;
  on<K extends WidgetEventName>(event: K, listener: (detail: WidgetEvents[K]) => void): () => void;
  off<K extends WidgetEventName>(event: K, listener: (detail: WidgetEvents[K]) => void): void;
  open(): void;
  close(): void;
  readonly unreadCount: number;
}

/** `colorPrimary` -> `--shc-color-primary`; names starting with `--` are used as given. */
export function themeVar(name: string): string {
  return name.startsWith('--')
    ? name
    : '--shc-' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** The UI for a mode: the customer launcher and panel, or the agent console. */
export type ModeApp = ComponentType<{ title?: string }>;

/**
 * Text on the brand colour must stay readable whatever colour a business picks: unless an
 * on-primary colour is given and passes 4.5:1, white or near-black is chosen by contrast.
 */
function fitOnPrimary(element: HTMLElement, container: HTMLElement): void {
  const probe = document.createElement('i');
  probe.style.cssText = 'color:var(--p);background:var(--op)';
  container.append(probe);
  const cs = getComputedStyle(probe);
  const bg = parseRgb(cs.color);
  const fg = parseRgb(cs.backgroundColor);
  probe.remove();
  if (!bg) return;
  const given = getComputedStyle(element).getPropertyValue('--shc-color-on-primary').trim();
  if (given && fg && contrast(bg, fg) >= 4.5) return;
  if (given) console.warn('ServiHubChat: on-primary colour under 4.5:1, replaced');
  container.style.setProperty('--op', readableOn(bg));
}

/**
 * Mounts a mode's UI into `element`, inside a shadow root so the host page and the widget cannot
 * restyle each other. Events are also dispatched on `element` as `servihub:<name>` DOM events.
 */
export function mountWith(
  Ui: ModeApp,
  element: HTMLElement,
  options: MountOptions,
  css: string,
  /**
   * Where the panel's code and styles are (`<base>.umd.js`, `<base>.css`), loaded on first open;
   * without it the bundle carries them and `css` has every rule.
   */
  panelBase?: string,
): WidgetHandle {
  if (!element) throw new Error('ServiHubChat.mount: element is required');
  if (!options?.apiUrl || !options.token) {
    throw new Error('ServiHubChat.mount: apiUrl and token are required');
  }
  const mode: Mode = options.mode === 'agent' ? 'agent' : 'customer';
  const controller = new ChatController({ ...options, mode });

  for (const [k, v] of Object.entries(options.theme ?? {}))
    element.style.setProperty(themeVar(k), v);
  const shadow = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  shadow.innerHTML = '';
  const style = document.createElement('style');
  style.textContent = css;
  const container = document.createElement('div');
  container.className = 'shc-root';
  container.lang = options.lang || 'en';
  container.dir = options.dir === 'rtl' ? 'rtl' : 'ltr';
  if (mode === 'agent') container.style.height = '100%';
  shadow.append(style, container);
  // The launcher and panel go to the top layer, where no transform, filter or overflow of a host
  // ancestor can capture their fixed position (or hide them under the page's own layers).
  if (mode === 'customer' && 'showPopover' in container) {
    container.popover = 'manual';
    container.classList.add('shc-top');
    container.showPopover();
  }
  fitOnPrimary(element, container);

  const listeners = new Map<string, Set<(d: never) => void>>();
  const emit = <K extends WidgetEventName>(name: K, detail: WidgetEvents[K]) => {
    listeners.get(name)?.forEach((l) => (l as (d: WidgetEvents[K]) => void)(detail));
    element.dispatchEvent(new CustomEvent('servihub:' + name, { detail }));
  };

  let unread = 0;
  let conn = '';
  let linked = !panelBase;
  if (panelBase) controller.store.setState({ styled: false });
  // The panel's code and styles: fetched when the visitor shows intent (pointer over or focus on
  // the widget) or opens it, never for visitors who leave the chat alone.
  const loadPanel = () => {
    if (linked) return;
    linked = true;
    let waiting = 2;
    const done = () => --waiting || controller.store.setState({ styled: true });
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = panelBase + '.css';
    const code = document.createElement('script');
    code.src = panelBase + '.umd.js';
    link.onload = link.onerror = code.onload = code.onerror = done;
    shadow.append(link);
    document.head.append(code);
  };
  container.addEventListener('pointerover', loadPanel);
  container.addEventListener('focusin', loadPanel);
  const unsubscribe = controller.store.subscribe((s) => {
    if (s.open) loadPanel();
    const count = totalUnread(s);
    if (count !== unread) emit('unread', { count: (unread = count) });
    if (s.connection.status + s.connection.kind !== conn) {
      conn = s.connection.status + s.connection.kind;
      emit('connection', { status: s.connection.status, transport: s.connection.kind });
    }
  });

  const root = createRoot(container);
  root.render(
    <ControllerContext.Provider value={controller}>
      <Ui title={options.title} />
    </ControllerContext.Provider>,
  );
  if (options.open) controller.setOpen(true);
  void controller.start();

  return {
    unmount() {
      unsubscribe();
      controller.stop();
      root.unmount();
      shadow.innerHTML = '';
      listeners.clear();
    },
    on(event, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener as (d: never) => void);
      return () => this.off(event, listener);
    },
    off(event, listener) {
      listeners.get(event)?.delete(listener as (d: never) => void);
    },
    open: () => controller.setOpen(true),
    close: () => controller.setOpen(false),
    get unreadCount() {
      return unread;
    },
  };
}
