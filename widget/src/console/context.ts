import { createContext } from 'react';
import { useContext } from 'react';
import type { Desk } from './desk';
import type { ConsoleStrings } from './strings';

export interface DeskContextValue {
  desk: Desk;
  ct: ConsoleStrings;
  /** The signed-in agent's own name (the token's `name`), for `{{agent.name}}`. */
  agentName: string | null;
}

export const DeskContext = createContext<DeskContextValue | null>(null);

export function useDesk(): DeskContextValue {
  const d = useContext(DeskContext);
  if (!d) throw new Error('Desk missing');
  return d;
}
