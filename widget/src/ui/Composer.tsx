import type { ComponentChildren, RefObject } from 'preact';
import { useEffect, useRef, useState } from 'react';
import { MAX_UPLOAD_BYTES } from '../api/rest';
import { useController, useT } from './context';
import { fill } from './strings';
import { ClipIcon } from './icons';

interface Draft {
  file: File;
  previewUrl: string | null;
}

/** What a mode adds to the composer: the console's note switch and canned-reply list. */
export interface ComposerAddon {
  /** Shown above the input row. */
  before?: ComponentChildren;
  /** More attributes for the text box (a combobox's ARIA state). */
  attrs?: Record<string, unknown>;
  /** Sees each key in the text box first; true when it used it. */
  onKey?: (e: KeyboardEvent) => boolean;
  /** Hears the text (and the caret) after each change. */
  onText?: (text: string, caret: number) => void;
  /** Send as a staff-only note (and never tell the customer someone is typing). */
  note?: boolean;
  placeholder?: string;
}

export interface ComposerApi {
  conversationId: string;
  text: string;
  /** Replaces the text and puts the caret at `caret` (default: the end). */
  setText: (text: string, caret?: number) => void;
  input: RefObject<HTMLTextAreaElement | null>;
}

/** A hook the composer calls on each render (so it may use state), the same for its lifetime. */
export type UseComposerAddon = (api: ComposerApi) => ComposerAddon;

/** Text input, attachment picker with preview and upload progress, and the send button. */
export function Composer({
  conversationId,
  useAddon,
}: {
  conversationId: string;
  useAddon?: UseComposerAddon;
}) {
  const ctl = useController();
  const t = useT();
  // The half-typed text outlives the composer: closing the panel or switching threads keeps it.
  const [text, setValue] = useState(() => ctl.drafts.get(conversationId) ?? '');
  const keep = (v: string) => {
    setValue(v);
    if (v) ctl.drafts.set(conversationId, v);
    else ctl.drafts.delete(conversationId);
  };
  const [draft, setDraft] = useState<Draft | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const id = 'shc-input-' + conversationId;
  const caretAt = useRef<number | null>(null);
  const setText = (v: string, caret = v.length) => {
    keep(v);
    caretAt.current = caret;
  };
  useEffect(() => {
    const el = input.current;
    if (el && caretAt.current !== null) {
      el.focus();
      el.setSelectionRange(caretAt.current, caretAt.current);
      caretAt.current = null;
    }
  });
  const addon: ComposerAddon = useAddon?.({ conversationId, text, setText, input }) ?? {};

  useEffect(() => () => void (draft?.previewUrl && URL.revokeObjectURL(draft.previewUrl)), [draft]);
  useEffect(() => () => ctl.setTyping(conversationId, false), [ctl, conversationId]);

  const pick = (file: File | undefined) => {
    setError('');
    if (!file) return;
    if (file.size > MAX_UPLOAD_BYTES) {
      setError(fill(t.tooLarge, { name: file.name }));
      return;
    }
    const previewUrl = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
    setDraft({ file, previewUrl });
  };

  const clearDraft = () => {
    setDraft(null);
    if (fileInput.current) fileInput.current.value = '';
  };

  const submit = async (e?: Event) => {
    e?.preventDefault();
    const body = text.trim();
    if ((!body && !draft) || progress !== null) return;
    if (!draft) {
      ctl.send(conversationId, body, undefined, undefined, addon.note);
      keep('');
      return;
    }
    setProgress(0);
    try {
      const att = await ctl.rest.upload(conversationId, draft.file, setProgress);
      const kind = att.mimeType?.startsWith('image/') ? 'IMAGE' : 'FILE';
      ctl.send(conversationId, body, [att.id], kind, addon.note);
      keep('');
      clearDraft();
    } catch (err) {
      setError(fill(t.uploadFailed, { error: (err as Error).message }));
    } finally {
      setProgress(null);
      input.current?.focus();
    }
  };

  return (
    <form className={'shc-composer' + (addon.note ? ' shc-noting' : '')} onSubmit={submit}>
      {addon.before}
      {error && (
        <p className="shc-error" role="alert">
          {error}
        </p>
      )}
      {draft && (
        <div className="shc-preview">
          {draft.previewUrl ? (
            <img src={draft.previewUrl} alt={fill(t.preview, { name: draft.file.name })} />
          ) : (
            <span>{draft.file.name}</span>
          )}
          {progress !== null ? (
            <progress max={1} value={progress} aria-label={t.progress} />
          ) : (
            <button
              type="button"
              onClick={clearDraft}
              aria-label={fill(t.remove, { name: draft.file.name })}
            >
              ×
            </button>
          )}
        </div>
      )}
      <div className="shc-row">
        <input
          ref={fileInput}
          id={id + '-file'}
          className="shc-sr"
          type="file"
          onChange={(e) => pick((e.target as HTMLInputElement).files?.[0])}
        />
        <label className="shc-attach shc-btn" htmlFor={id + '-file'} title={t.attach}>
          <ClipIcon />
          <span className="shc-sr">{t.attach}</span>
        </label>
        <label className="shc-sr" htmlFor={id}>
          {t.message}
        </label>
        <textarea
          ref={input}
          id={id}
          rows={1}
          dir="auto"
          placeholder={addon.placeholder ?? t.placeholder}
          value={text}
          {...addon.attrs}
          onInput={(e) => {
            const el = e.target as HTMLTextAreaElement;
            keep(el.value);
            addon.onText?.(el.value, el.selectionStart ?? el.value.length);
            if (!addon.note) ctl.setTyping(conversationId, el.value.length > 0);
          }}
          onBlur={() => ctl.setTyping(conversationId, false)}
          onKeyDown={(e) => {
            if (addon.onKey?.(e)) return;
            if (e.key === 'Enter' && !e.shiftKey) void submit(e);
          }}
        />
        <button className="shc-send shc-btn" type="submit" disabled={progress !== null}>
          {t.send}
        </button>
      </div>
    </form>
  );
}
