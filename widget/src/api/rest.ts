import type {
  Attachment,
  AttachmentLink,
  ContentType,
  Conversation,
  ErrorBody,
  Message,
  Page,
} from '../protocol';

/** Uploads above this size are refused by the node; checking first saves a wasted transfer. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface SendBody {
  clientId: string;
  body: string;
  contentType?: ContentType;
  attachmentIds?: string[];
  /** Staff only: a note the customer never sees. */
  private?: boolean;
}

/** Thin REST client for `/api/v1`; every call carries the bearer token. */
export class RestClient {
  constructor(
    readonly apiUrl: string,
    readonly token: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {}

  url(path: string): string {
    return this.apiUrl.replace(/\/$/, '') + path;
  }

  private links = new Map<string, [number, Promise<string>]>();

  /**
   * A URL an element (img, link) can load without headers: a short-lived link signed by the node,
   * so the token never appears in a URL (logs, referrers, shared links). Reused for 10 minutes
   * (links last 15).
   */
  fileUrl(id: string): Promise<string> {
    const hit = this.links.get(id);
    if (hit && hit[0] > Date.now()) return hit[1];
    const url = this.request<AttachmentLink>('GET', `/attachments/${id}/link`).then((l) =>
      /^https?:/.test(l.url) ? l.url : this.url(l.url),
    );
    this.links.set(id, [Date.now() + 600_000, url]);
    url.catch(() => this.links.delete(id));
    return url;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetchImpl(this.url('/api/v1' + path), {
      method,
      headers: {
        authorization: 'Bearer ' + this.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await toError(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  openConversation(businessId: string): Promise<Conversation> {
    return this.request('POST', '/conversations', { businessId });
  }

  /** Staff may pass the inbox filters and paging (`status`, `assignee`, `cursor`, `limit`). */
  listConversations(query = ''): Promise<Page<Conversation>> {
    return this.request('GET', '/conversations' + query);
  }

  history(
    conversationId: string,
    cursor: { before?: string; after?: string; since?: string },
    limit = 50,
  ): Promise<Page<Message>> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor.before) q.set('before', cursor.before);
    if (cursor.after) q.set('after', cursor.after);
    if (cursor.since) q.set('since', cursor.since);
    return this.request('GET', `/conversations/${conversationId}/messages?${q}`);
  }

  send(conversationId: string, body: SendBody): Promise<Message> {
    return this.request('POST', `/conversations/${conversationId}/messages`, body);
  }

  read(conversationId: string, messageId: string): Promise<void> {
    return this.request('POST', `/conversations/${conversationId}/read`, { messageId });
  }

  typing(conversationId: string, isTyping: boolean): Promise<void> {
    return this.request('POST', `/conversations/${conversationId}/typing`, { isTyping });
  }

  edit(messageId: string, body: string): Promise<Message> {
    return this.request('PATCH', `/messages/${messageId}`, { body });
  }

  remove(messageId: string): Promise<Message> {
    return this.request('DELETE', `/messages/${messageId}`);
  }

  /** Returns the message with its updated reactions. */
  react(messageId: string, emoji: string, on: boolean): Promise<Message> {
    const path = `/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
    return this.request(on ? 'PUT' : 'DELETE', path);
  }

  /** XHR rather than fetch: only XHR reports upload progress. */
  upload(
    conversationId: string,
    file: Blob,
    onProgress: (fraction: number) => void,
  ): Promise<Attachment> {
    if (file.size > MAX_UPLOAD_BYTES) {
      return Promise.reject(new ApiError(413, 'payload_too_large', 'File is larger than 10 MiB'));
    }
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url(`/api/v1/conversations/${conversationId}/attachments`));
      xhr.setRequestHeader('authorization', 'Bearer ' + this.token);
      xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
      const name = (file as File).name;
      if (name) xhr.setRequestHeader('x-file-name', encodeURIComponent(name));
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          parsed = undefined;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(parsed as Attachment);
        else reject(errorFrom(xhr.status, parsed));
      };
      xhr.onerror = () => reject(new ApiError(0, 'network', 'Upload failed'));
      xhr.send(file);
    });
  }
}

async function toError(res: Response): Promise<ApiError> {
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  return errorFrom(res.status, parsed);
}

function errorFrom(status: number, parsed: unknown): ApiError {
  const body = (parsed ?? {}) as Partial<ErrorBody>;
  return new ApiError(
    status,
    body.code ?? 'http_' + status,
    body.message ?? 'Request failed (' + status + ')',
    body.retryAfterMs ?? undefined,
  );
}
