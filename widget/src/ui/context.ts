import { createContext } from 'react';
import { useContext } from 'react';
import { useStore } from 'zustand';
import type { ChatController } from '../store/controller';
import type { ChatState } from '../store/state';

export const ControllerContext = createContext<ChatController | null>(null);

export function useController(): ChatController {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('ChatController missing');
  return c;
}

/** Subscribes a component to one slice of the store; the selector must return a stable value. */
export function useChat<T>(selector: (s: ChatState) => T): T {
  return useStore(useController().store, selector);
}

/** The texts in use: the built-in English table with the host's replacements. */
export function useT() {
  return useController().t;
}
