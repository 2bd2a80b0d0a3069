import { render, type ComponentChild } from 'preact';

/** React 18's root API on Preact's `render`. */
export function createRoot(container: Element | DocumentFragment) {
  return {
    render: (node: ComponentChild) => render(node, container),
    unmount: () => render(null, container),
  };
}
