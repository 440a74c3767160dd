// Guests: people who open a share link (`/s/<token>`) without an account. Their session is an
// HttpOnly cookie; the link's preview names it when it is open on that link, so the page never
// needs to remember sessions itself, only the name and e-mail to fill in next time.
import type { GuestSession } from './api/client';

/** What the review page needs to know in guest mode. */
export interface GuestContext {
  session: GuestSession;
  /** Where an asset's review lives for this link. */
  assetPath: (assetId: string) => string;
  /** The link's list of assets (folder, project and review-list links), or null for one asset. */
  listPath: string | null;
  /** Ends the session (the Leave button). */
  leave: () => void;
}

/** Links that reach one asset open its review directly; the others list their assets first. */
export function guestPaths(token: string, scope: string): Pick<GuestContext, 'assetPath' | 'listPath'> {
  const base = `/s/${encodeURIComponent(token)}`;
  if (scope === 'asset' || scope === 'version') return { assetPath: () => base, listPath: null };
  return { assetPath: (id) => `${base}/a/${id}`, listPath: base };
}

const IDENTITY_KEY = 'fp.guest.identity';

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

/** The name and e-mail a guest gave last, to fill the form in next time. */
export function rememberedIdentity(): { name: string; email: string } {
  const r = read<{ name?: unknown; email?: unknown }>(IDENTITY_KEY);
  return { name: typeof r?.name === 'string' ? r.name : '', email: typeof r?.email === 'string' ? r.email : '' };
}

export function rememberIdentity(name: string, email: string): void {
  localStorage.setItem(IDENTITY_KEY, JSON.stringify({ name, email }));
}

/** "in 2 min 5 s" for a wait in seconds. */
export function waitLabel(secs: number): string {
  const s = Math.max(0, Math.ceil(secs));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const r = s % 60;
  return r ? `${m} min ${r} s` : `${m} min`;
}
