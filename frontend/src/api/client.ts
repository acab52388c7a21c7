/** The one HTTP client: CSRF handling, JSON, and the AXWeb error shape turned into ApiError. */

export interface Problem {
  code: string;
  message: string;
  node?: string | null;
  edge?: string | null;
  field?: string | null;
  /** Inside bodies: the node ids from the workflow's container node down to the node at fault. */
  path?: string[];
}

export interface ErrorBody {
  error: {
    status: number;
    code: string;
    message: string;
    fields?: Record<string, string[]>;
    problems?: Problem[];
  };
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export class ApiError extends Error {
  status: number;
  code: string;
  fields: Record<string, string[]>;
  problems: Problem[];

  constructor(status: number, code: string, message: string, fields = {}, problems: Problem[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.problems = problems;
  }

  /** First message for a form field, or undefined. */
  /** The field's first message; for a list or object field, the first of its items' ("#2: …"). */
  fieldError(name: string): string | undefined {
    const own = this.fields[name]?.[0];
    if (own) return own;
    const nested = Object.keys(this.fields).find((k) => k.startsWith(`${name}.`) && this.fields[k]?.length);
    if (!nested) return undefined;
    const rest = nested.slice(name.length + 1);
    return `${/^\d+$/.test(rest) ? `#${Number(rest) + 1}` : rest}: ${this.fields[nested][0]}`;
  }

  /** This error without the messages of `name` (and its items): null once no field is left wrong. */
  withoutField(name: string): ApiError | null {
    const keys = Object.keys(this.fields);
    if (!keys.length) return this;
    const left = Object.fromEntries(
      Object.entries(this.fields).filter(([k]) => k !== name && !k.startsWith(`${name}.`)),
    );
    if (!Object.keys(left).length) return null;
    return new ApiError(this.status, this.code, this.message, left, this.problems);
  }
}

/** Build an ApiError from any response body; tolerant of non-contract bodies. */
export function errorFromBody(status: number, body: unknown): ApiError {
  const err = (body as Partial<ErrorBody> | null)?.error;
  if (err && typeof err === 'object') {
    return new ApiError(
      err.status ?? status,
      err.code ?? 'error',
      err.message || defaultMessage(status),
      err.fields ?? {},
      err.problems ?? [],
    );
  }
  return new ApiError(status, 'error', defaultMessage(status));
}

function defaultMessage(status: number): string {
  if (status === 401) return 'Please log in.';
  if (status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  if (status >= 500) return 'The server had a problem. Please try again.';
  return `Request failed (${status}).`;
}

export function readCookie(name: string): string | null {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(name + '='));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let unauthorizedHandler: (() => void) | null = null;

export function onUnauthorized(fn: (() => void) | null): void {
  unauthorizedHandler = fn;
}

export async function ensureCsrf(): Promise<void> {
  if (!readCookie('csrftoken')) await fetch('/api/auth/csrf/', { credentials: 'same-origin' });
}

/** GET requests sent before the page that needs them has rendered (prefetch), each answer taken once. */
const early = new Map<string, { at: number; response: Promise<Response> }>();
const EARLY_FOR_MS = 10_000;

/**
 * Send these GETs now, for a page about to ask for them: its `api.get` of the same URL takes the
 * answer (once, within 10 s). An answer that says the session is missing is not used: the page asks again.
 */
export function prefetch(urls: string[]): void {
  for (const url of urls) {
    const response = fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    response.catch(() => undefined); // a failure is met again when the page asks
    early.set(url, { at: performance.now(), response });
  }
}

async function takeEarly(url: string): Promise<Response | null> {
  const hit = early.get(url);
  early.delete(url);
  if (!hit || performance.now() - hit.at > EARLY_FOR_MS) return null;
  const res = await hit.response.catch(() => null);
  return res && res.status !== 401 && res.status !== 403 ? res : null;
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method)) {
    await ensureCsrf();
    const token = readCookie('csrftoken');
    if (token) headers['X-CSRFToken'] = token;
  }
  let res: Response | null = method === 'GET' && early.size ? await takeEarly(url) : null;
  try {
    res ??= await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.');
  }
  if (res.status === 204) return undefined as T;
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = errorFromBody(res.status, data);
    // The contract says 401; DRF's session auth answers 403 "not_authenticated" — treat both alike.
    if ((err.status === 401 || err.code === 'not_authenticated') && unauthorizedHandler) unauthorizedHandler();
    throw err;
  }
  return data as T;
}

export const api = {
  get: <T>(url: string) => request<T>('GET', url),
  post: <T>(url: string, body?: unknown) => request<T>('POST', url, body ?? {}),
  put: <T>(url: string, body: unknown) => request<T>('PUT', url, body),
  patch: <T>(url: string, body: unknown) => request<T>('PATCH', url, body),
  del: (url: string) => request<void>('DELETE', url),
};

/** Turn any thrown value into a sentence for a toast. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

export function qs(params: Record<string, string | number | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Accept either a bare list or a paginated page (servers differ on small catalogs). */
export function listOf<T>(body: T[] | Page<T> | null | undefined): T[] {
  if (Array.isArray(body)) return body;
  return body?.results ?? [];
}
