/**
 * React's hook API on Preact. The widget's source is written against `react`; the build aliases
 * `react` here. preact/compat would also work but costs about 1.6 kB gzipped for class-component,
 * Suspense and event-normalisation support this widget never uses, and the bundle has a hard
 * 20 kB budget.
 */
import { createContext } from 'preact';
import {
  useCallback,
  useContext,
  useDebugValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
} from 'preact/hooks';

/**
 * Minimal `useSyncExternalStore`: re-render when the selected snapshot changes, and re-check after
 * subscribing so an update between render and subscription is not lost.
 */
export function useSyncExternalStore<T>(
  subscribe: (onChange: () => void) => () => void,
  getSnapshot: () => T,
): T {
  const value = getSnapshot();
  const [, force] = useReducer((n: number) => n + 1, 0);
  const latest = useRef({ value, getSnapshot });
  latest.current = { value, getSnapshot };
  useLayoutEffect(() => {
    const check = () => {
      const { value: prev, getSnapshot: get } = latest.current;
      if (!Object.is(prev, get())) force(0);
    };
    check();
    return subscribe(check);
  }, [subscribe]);
  return value;
}

export {
  createContext,
  useCallback,
  useContext,
  useDebugValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
};

const React = {
  createContext,
  useCallback,
  useContext,
  useDebugValue,
  useEffect,
  useLayoutEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  useSyncExternalStore,
};
export default React;
