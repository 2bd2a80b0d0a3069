/**
 * ServiHub Chat, both modes: the ES module build, and the console UMD bundle
 * (`chat-console.umd.js`, `window.ServiHubChatConsole`) that the customer bundle loads for
 * agent mode. `mount(element, { apiUrl, token, businessId, mode, theme })`.
 */
import { mountWith, type MountOptions, type WidgetHandle } from './mount';
import { AgentApp } from './console/AgentApp';
import { CustomerApp } from './ui/CustomerApp';
import { panel } from './ui/panel';
import { CSS, PANEL_CSS } from './ui/styles';
import { CustomerThread } from './ui/CustomerThread';

panel.Thread = CustomerThread;

export function mount(element: HTMLElement, options: MountOptions): WidgetHandle {
  const ui = options?.mode === 'agent' ? AgentApp : CustomerApp;
  return mountWith(ui, element, options, CSS + PANEL_CSS);
}

export { themeVar } from './mount';
export { STRINGS } from './ui/strings';
export { CONSOLE_STRINGS } from './console/strings';
export type { MountOptions, WidgetEvents, WidgetEventName, WidgetHandle } from './mount';
export type { Strings } from './ui/strings';
export type * from './protocol';
export const version = '0.1.0';
