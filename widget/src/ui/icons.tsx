// Inline SVG icons: emoji glyphs depend on the visitor's fonts and render as boxes without them.

const Icon = ({ d, size = 24, stroke }: { d: string; size?: number; stroke?: boolean }) => (
  <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true" focusable="false">
    <path
      d={d}
      fill={stroke ? 'none' : 'currentColor'}
      stroke={stroke ? 'currentColor' : undefined}
      stroke-width={stroke ? 2 : undefined}
      stroke-linecap="round"
    />
  </svg>
);

export const ChatIcon = () => (
  <Icon
    size={26}
    d="M5 3h14a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-9l-5 4v-4a3 3 0 0 1-3-3V6a3 3 0 0 1 3-3z"
  />
);

export const CloseIcon = ({ size = 24 }: { size?: number }) => (
  <Icon size={size} stroke d="M6 6l12 12M18 6L6 18" />
);

export const ClipIcon = () => (
  <Icon
    size={20}
    stroke
    d="M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7"
  />
);

export const BellIcon = () => (
  <Icon size={20} stroke d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4zM10 21h4" />
);

export const FileIcon = () => <Icon size={22} stroke d="M6 2h8l5 5v15H6zM14 2v5h5" />;
