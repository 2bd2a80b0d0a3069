/**
 * The customer bundle (`chat-widget.umd.js`, `window.ServiHubChat`): the launcher and panel only.
 * Agent mode loads the console bundle (`chat-console.umd.js`, beside this file, or `consoleUrl`)
 * and hands over to it, so no customer page ever downloads the console's code.
 */
import * as jsx from 'preact/jsx-runtime';
import * as react from 'react';
import * as rest from './api/rest';
import { mountWith, type MountOptions, type WidgetHandle } from './mount';
import * as protocol from './protocol';
import * as messages from './store/messages';
import * as state from './store/state';
import * as context from './ui/context';
import { CustomerApp } from './ui/CustomerApp';
import * as panel from './ui/panel';
import { CSS } from './ui/styles';

/** What `chat-panel.umd.js` takes from this bundle instead of carrying its own copy. */
export const __m = { jsx, react, rest, protocol, messages, state, context, panel };

const here = (document.currentScript as HTMLScriptElement | null)?.src;

export function mount(element: HTMLElement, options: MountOptions): WidgetHandle {
  const beside = (file: string) => new URL(file, here || options.apiUrl + '/widget/').href;
  if (options?.mode !== 'agent')
    return mountWith(CustomerApp, element, options, CSS, beside('chat-panel'));
  const w = window as { ServiHubChatConsole?: { mount: typeof mount } };
  let real: WidgetHandle | undefined;
  let stopped = false;
  const subs: Parameters<WidgetHandle['on']>[] = [];
  const start = () => {
    if (stopped || real || !w.ServiHubChatConsole) return;
    real = w.ServiHubChatConsole.mount(element, options);
    for (const s of subs) real.on(...s);
  };
  if (w.ServiHubChatConsole) start();
  else {
    const tag = document.createElement('script');
    tag.src = options.consoleUrl || beside('chat-console.umd.js');
    tag.onload = start;
    document.head.append(tag);
  }
  // Until the console is there, subscriptions wait for it.
  return {
    unmount: () => ((stopped = true), real?.unmount()),
    on: (...s) => (
      subs.push(s as unknown as (typeof subs)[0]),
      real?.on(...s),
      () => real?.off(...s)
    ),
    off: (...s) => real?.off(...s),
    open() {},
    close() {},
    get unreadCount() {
      return real?.unreadCount ?? 0;
    },
  };
}

export { themeVar } from './mount';
export { STRINGS } from './ui/strings';
export const version = '0.1.0';
