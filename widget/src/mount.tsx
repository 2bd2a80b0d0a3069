import { createRoot } from 'react-dom/client';
import { ChatController } from './store/controller';
import { totalUnread, type Mode } from './store/state';
import type { ConnectionStatus } from './transport/connection';
import type { TransportKind } from './transport/types';
import { App } from './ui/App';
import { CSS } from './ui/styles';

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

/**
 * Mounts the widget into `element`, inside a shadow root so the host page and the widget cannot
 * restyle each other. Events are also dispatched on `element` as `servihub:<name>` DOM events.
 */
export function mount(element: HTMLElement, options: MountOptions): WidgetHandle {
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
  style.textContent = CSS;
  const container = document.createElement('div');
  container.className = 'shc-root';
  if (mode === 'agent') container.style.height = '100%';
  shadow.append(style, container);

  const listeners = new Map<string, Set<(d: never) => void>>();
  const emit = <K extends WidgetEventName>(name: K, detail: WidgetEvents[K]) => {
    listeners.get(name)?.forEach((l) => (l as (d: WidgetEvents[K]) => void)(detail));
    element.dispatchEvent(new CustomEvent('servihub:' + name, { detail }));
  };

  let unread = 0;
  let conn = '';
  const unsubscribe = controller.store.subscribe((s) => {
    const count = totalUnread(s);
    if (count !== unread) emit('unread', { count: (unread = count) });
    if (s.connection.status + s.connection.kind !== conn) {
      conn = s.connection.status + s.connection.kind;
      emit('connection', { status: s.connection.status, transport: s.connection.kind });
    }
  });

  const root = createRoot(container);
  root.render(<App controller={controller} title={options.title} />);
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
