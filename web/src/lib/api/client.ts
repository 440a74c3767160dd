// The typed API client: openapi-fetch over the schema generated from the server's document.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Workspace = Schemas['WorkspaceView'];
export type Project = Schemas['ProjectView'];
export type Folder = Schemas['FolderView'];
export type Asset = Schemas['AssetView'];
export type Member = Schemas['MemberView'];
export type Invite = Schemas['InviteView'];
export type User = Schemas['UserView'];
export type Role = Schemas['Role'];
export type ShareLink = Schemas['ShareLinkView'];
export type GuestSession = Schemas['GuestSessionView'];

export const api = createClient<paths>({ baseUrl: '' });

/** An error answer from the API, in words, with the request id to quote. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    /** Seconds to wait before trying again (a 429's `Retry-After`). */
    readonly retryAfter: number | null = null,
    /** The fields at fault (`stages[3].quorum`, `audience`), when the error names them. */
    readonly fields: string[] = [],
  ) {
    super(message);
  }
}

/** Reads an error body (`{code, message, request_id}`) or explains a non-JSON failure. */
export function toFailure(status: number, body: unknown, retryAfter: string | null = null): ApiFailure {
  const wait = retryAfter && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
  if (body && typeof body === 'object' && 'code' in body && 'message' in body) {
    const b = body as { code: unknown; message: unknown; request_id?: unknown; fields?: unknown };
    const fields = Array.isArray(b.fields) ? b.fields.map(String) : [];
    return new ApiFailure(status, String(b.code), String(b.message), b.request_id ? String(b.request_id) : null, wait, fields);
  }
  if (status === 0) return new ApiFailure(0, 'network', 'The server could not be reached. Check your connection.', null);
  return new ApiFailure(status, 'unexpected', `The server answered ${status}.`, null);
}

const watchers = new Set<(f: ApiFailure) => void>();

/**
 * Hears every failure `call` throws (a guest's page listens for `link-not-found`: the link was
 * revoked or expired, whatever was asked). Answers the function that stops listening.
 */
export function watchFailures(fn: (f: ApiFailure) => void): () => void {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

function failed(f: ApiFailure): ApiFailure {
  for (const w of watchers) w(f);
  return f;
}

/** Unwraps an openapi-fetch result: the data, or an ApiFailure thrown. */
export async function call<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  return (await answer(p)).data;
}

/** Like `call`, with the status too (for routes whose 2xx answers differ, like 201 and 202). */
export async function answer<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<{ status: number; data: T }> {
  let r;
  try {
    r = await p;
  } catch {
    throw failed(toFailure(0, null));
  }
  if (r.response.ok) return { status: r.response.status, data: r.data as T };
  throw failed(toFailure(r.response.status, r.error, r.response.headers.get('retry-after')));
}

/**
 * A request outside the typed client, for files going in or out (marker files): the response
 * when it is 2xx, else the error body as an ApiFailure (told to the failure watchers like `call`).
 */
export async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  let r: Response;
  try {
    r = await fetch(url, { credentials: 'same-origin', ...init });
  } catch {
    throw failed(toFailure(0, null));
  }
  if (r.ok) return r;
  const body: unknown = await r.json().catch(() => null);
  throw failed(toFailure(r.status, body, r.headers.get('retry-after')));
}
