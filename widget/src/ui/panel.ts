import type { ComponentType } from 'preact';

/**
 * The conversation view (history, status line, composer), registered by whichever bundle carries
 * it: the full builds at once, the customer bundle when `chat-panel.umd.js` arrives on first open.
 */
export const panel: { Thread?: ComponentType<{ conversationId: string; visible: boolean }> } = {};
