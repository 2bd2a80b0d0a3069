/**
 * ServiHub Chat widget. The UMD build exposes this module as `window.ServiHubChat`:
 * `ServiHubChat.mount(element, { apiUrl, token, businessId, mode, theme })`.
 */
export { mount, themeVar } from './mount';
export type { MountOptions, WidgetEvents, WidgetEventName, WidgetHandle } from './mount';
export type * from './protocol';
export const version = '0.1.0';
