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

export const api = createClient<paths>({ baseUrl: '' });

/** An error answer from the API, in words, with the request id to quote. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

/** Reads an error body (`{code, message, request_id}`) or explains a non-JSON failure. */
export function toFailure(status: number, body: unknown): ApiFailure {
  if (body && typeof body === 'object' && 'code' in body && 'message' in body) {
    const b = body as { code: unknown; message: unknown; request_id?: unknown };
    return new ApiFailure(status, String(b.code), String(b.message), b.request_id ? String(b.request_id) : null);
  }
  if (status === 0) return new ApiFailure(0, 'network', 'The server could not be reached. Check your connection.', null);
  return new ApiFailure(status, 'unexpected', `The server answered ${status}.`, null);
}

/** Unwraps an openapi-fetch result: the data, or an ApiFailure thrown. */
export async function call<T>(
  p: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let r;
  try {
    r = await p;
  } catch {
    throw toFailure(0, null);
  }
  if (r.response.ok) return r.data as T;
  throw toFailure(r.response.status, r.error);
}
