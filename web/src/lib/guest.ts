// Guests: people who open a share link (`/s/<token>`) without an account. Their session is an
// HttpOnly cookie the page cannot read, so the page remembers which link it opened that session
// for (a fingerprint of the token, never the token), to resume it instead of asking again.
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

/** A short, stable fingerprint of a token (FNV-1a, two rounds): enough to tell links apart. */
export function tokenFingerprint(token: string): string {
  const round = (seed: number) => {
    let h = seed >>> 0;
    for (let i = 0; i < token.length; i++) {
      h ^= token.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  };
  return round(0x811c9dc5) + round(0x9747b28c);
}

const SESSION_KEY = 'fp.guest.session';
const IDENTITY_KEY = 'fp.guest.identity';

function read<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

/** Notes that the browser's guest cookie is (or will be, once the code is entered) for this link. */
export function rememberLink(token: string, sessionId: string | null): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify({ link: tokenFingerprint(token), session: sessionId }));
}

/** Whether the guest cookie was set for this link (by this browser, the last time it opened one). */
export function rememberedFor(token: string): { session: string | null } | null {
  const r = read<{ link: string; session: string | null }>(SESSION_KEY);
  return r && r.link === tokenFingerprint(token) ? { session: r.session } : null;
}

export function forgetLink(): void {
  localStorage.removeItem(SESSION_KEY);
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
