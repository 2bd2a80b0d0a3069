import { useEffect, useRef, useState } from 'react';
import { MAX_UPLOAD_BYTES } from '../api/rest';
import { useController, useT } from './context';
import { fill } from './strings';
import { ClipIcon } from './icons';

interface Draft {
  file: File;
  previewUrl: string | null;
}

/** Text input, attachment picker with preview and upload progress, and the send button. */
export function Composer({ conversationId }: { conversationId: string }) {
  const ctl = useController();
  const t = useT();
  // The half-typed text outlives the composer: closing the panel or switching threads keeps it.
  const [text, setText] = useState(() => ctl.drafts.get(conversationId) ?? '');
  const keep = (v: string) => {
    setText(v);
    if (v) ctl.drafts.set(conversationId, v);
    else ctl.drafts.delete(conversationId);
  };
  const [draft, setDraft] = useState<Draft | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const id = 'shc-input-' + conversationId;

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
      ctl.send(conversationId, body);
      keep('');
      return;
    }
    setProgress(0);
    try {
      const att = await ctl.rest.upload(conversationId, draft.file, setProgress);
      const kind = att.mimeType?.startsWith('image/') ? 'IMAGE' : 'FILE';
      ctl.send(conversationId, body, [att.id], kind);
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
    <form className="shc-composer" onSubmit={submit}>
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
          placeholder={t.placeholder}
          value={text}
          onInput={(e) => {
            const v = (e.target as HTMLTextAreaElement).value;
            keep(v);
            ctl.setTyping(conversationId, v.length > 0);
          }}
          onBlur={() => ctl.setTyping(conversationId, false)}
          onKeyDown={(e) => {
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
