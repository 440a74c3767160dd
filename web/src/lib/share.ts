// Share links, the producer's side: turning the share dialog's fields into the API's bodies and
// back, and naming what the API answers in words. Pure functions (tested in share.test.ts).
import type { Schemas } from './api/client';

type ShareLink = Schemas['ShareLinkView'];

/** A link's permissions with every flag spelled out (the API leaves false ones out of requests). */
export type Permissions = Required<Schemas['Permissions']>;

export function fullPermissions(p: Schemas['Permissions'] | null | undefined): Permissions {
  return {
    comment: !!p?.comment,
    decide: !!p?.decide,
    download_proxy: !!p?.download_proxy,
    download_original: !!p?.download_original,
  };
}

/** What a new link shares: exactly one of these (the API's `asset_id`, …, `asset_ids`). */
export type ShareTarget =
  | { kind: 'asset'; id: string; label: string }
  | { kind: 'version'; id: string; label: string }
  | { kind: 'folder'; id: string; label: string }
  | { kind: 'project'; id: string; label: string }
  | { kind: 'list'; ids: string[]; label: string };

/** The share dialog's option fields, as the form holds them. */
export interface ShareOptions {
  name: string;
  message: string;
  permissions: Permissions;
  versions: 'current' | 'all';
  /** Whether the link expires; when it does, on `expiryDate` (YYYY-MM-DD) at `expiryHour`:00 local time. */
  expires: boolean;
  expiryDate: string;
  expiryHour: number;
  /** `none`: no password; `keep`: leave the link's password as it is (editing); `set`: use `password`. */
  passwordMode: 'none' | 'keep' | 'set';
  password: string;
  /** E-mail domains, separated by commas, spaces or lines. */
  domains: string;
  /** A whole number, or empty for no limit. */
  maxViewers: string;
  /** Guests see the campaign's brief beside the player. */
  showBrief: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A local date and hour as the RFC 3339 instant the API takes (`2026-12-01T17:00:00Z`). */
export function expiryIso(date: string, hour: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m || !Number.isInteger(hour) || hour < 0 || hour > 23) throw new Error('Choose a date and an hour');
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, 0, 0, 0);
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An instant back to the local date and hour the form shows (rounded up to the hour, as links expire). */
export function expiryParts(iso: string): { date: string; hour: number } {
  const t = new Date(iso);
  if (t.getMinutes() || t.getSeconds() || t.getMilliseconds()) {
    t.setMinutes(0, 0, 0);
    t.setHours(t.getHours() + 1);
  }
  return { date: `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`, hour: t.getHours() };
}

/** `days` from `now`, on the next full hour: the default expiry of a new link. */
export function expiryIn(days: number, now: Date = new Date()): { date: string; hour: number } {
  const t = new Date(now.getTime() + days * 86_400_000);
  return expiryParts(t.toISOString());
}

/** Splits what someone typed into a list: commas, semicolons, spaces and lines separate items. */
function items(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** E-mail domains as the server accepts them (`@Client.COM` → `client.com`), and the ones it would refuse. */
export function parseDomains(text: string): { domains: string[]; invalid: string[] } {
  const domains: string[] = [];
  const invalid: string[] = [];
  for (const raw of items(text)) {
    const d = raw.replace(/^@+/, '').toLowerCase();
    const ok = d.length <= 253 && d.includes('.') && !d.startsWith('.') && !d.endsWith('.') && /^[a-z0-9.-]+$/.test(d);
    if (!ok) invalid.push(raw);
    else if (!domains.includes(d)) domains.push(d);
  }
  return { domains, invalid };
}

/** E-mail addresses (lower-cased, without repeats), and the ones that are not addresses. */
export function parseEmails(text: string): { emails: string[]; invalid: string[] } {
  const emails: string[] = [];
  const invalid: string[] = [];
  for (const raw of items(text)) {
    const e = raw.toLowerCase();
    const at = e.indexOf('@');
    const domain = e.slice(at + 1);
    const ok =
      at > 0 && !domain.includes('@') && domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.') && !domain.includes('..');
    if (!ok) invalid.push(raw);
    else if (!emails.includes(e)) emails.push(e);
  }
  return { emails, invalid };
}

/** The max-viewers field: null for none, a number from 1 to 100 000, or an error in words. */
export function parseMaxViewers(text: string): number | null {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error('Maximum viewers is a whole number from 1 to 100 000');
  return n;
}

/** The field a `mail-not-configured` answer is about, in the order the server checks them. */
export type MailField = 'recipients' | 'decide' | 'domains' | 'max_viewers';

export function mailNeededBy(o: { recipients: number; decide: boolean; domains: number; maxViewers: boolean }): MailField | null {
  if (o.recipients > 0) return 'recipients';
  if (o.decide) return 'decide';
  if (o.domains > 0) return 'domains';
  if (o.maxViewers) return 'max_viewers';
  return null;
}

/** Checks the option fields and answers the settings part of a create or update body. */
function settings(o: ShareOptions) {
  const { domains, invalid } = parseDomains(o.domains);
  if (invalid.length) throw new Error(`Not an e-mail domain like example.com: ${invalid.join(', ')}`);
  if (o.passwordMode === 'set') {
    const n = [...o.password].length;
    if (n < 4 || n > 200) throw new Error('A link password has 4 to 200 characters');
  }
  return {
    domains,
    maxViewers: parseMaxViewers(o.maxViewers),
    expiresAt: o.expires ? expiryIso(o.expiryDate, o.expiryHour) : null,
  };
}

/** The `POST /api/v1/share-links` body for a target, options, recipients and recipient lists. */
export function createBody(
  target: ShareTarget,
  o: ShareOptions,
  recipients: string[] = [],
  listIds: string[] = [],
): Schemas['CreateShareLink'] {
  const s = settings(o);
  const scope =
    target.kind === 'asset'
      ? { asset_id: target.id }
      : target.kind === 'version'
        ? { version_id: target.id }
        : target.kind === 'folder'
          ? { folder_id: target.id }
          : target.kind === 'project'
            ? { project_id: target.id }
            : { asset_ids: target.ids };
  const body: Schemas['CreateShareLink'] = {
    ...scope,
    message: o.message,
    permissions: { ...o.permissions },
    versions: o.versions,
  };
  if (o.name.trim()) body.name = o.name.trim();
  if (s.expiresAt) body.expires_at = s.expiresAt;
  if (o.passwordMode === 'set') body.password = o.password;
  if (s.domains.length) body.allowed_domains = s.domains;
  if (s.maxViewers != null) body.max_viewers = s.maxViewers;
  if (o.showBrief) body.show_brief = true;
  if (recipients.length) body.recipients = recipients;
  if (listIds.length) body.recipient_list_ids = listIds;
  return body;
}

/** The option fields of an existing link, for editing. */
export function optionsOf(link: ShareLink): ShareOptions {
  const e = link.expires_at ? expiryParts(link.expires_at) : expiryIn(7);
  return {
    name: link.name,
    message: link.message,
    permissions: fullPermissions(link.permissions),
    versions: link.versions === 'all' ? 'all' : 'current',
    expires: !!link.expires_at,
    expiryDate: e.date,
    expiryHour: e.hour,
    passwordMode: link.password_protected ? 'keep' : 'none',
    password: '',
    domains: link.allowed_domains.join(', '),
    maxViewers: link.max_viewers != null ? String(link.max_viewers) : '',
    showBrief: link.show_brief,
  };
}

/** The `PATCH /api/v1/share-links/{id}` body: only what changed (`null` clears expiry, password, limit). */
export function patchBody(link: ShareLink, o: ShareOptions): Schemas['UpdateShareLink'] {
  const s = settings(o);
  const body: Schemas['UpdateShareLink'] = {};
  if (o.name.trim() && o.name.trim() !== link.name) body.name = o.name.trim();
  if (o.message !== link.message) body.message = o.message;
  const p = fullPermissions(link.permissions);
  const q = o.permissions;
  if (p.comment !== q.comment || p.decide !== q.decide || p.download_proxy !== q.download_proxy || p.download_original !== q.download_original) {
    body.permissions = { ...q };
  }
  if (link.scope !== 'version' && o.versions !== link.versions) body.versions = o.versions;
  const was = link.expires_at ? new Date(link.expires_at).getTime() : null;
  const now = s.expiresAt ? new Date(s.expiresAt).getTime() : null;
  if (was !== now) body.expires_at = s.expiresAt;
  if (o.passwordMode === 'set') body.password = o.password;
  else if (o.passwordMode === 'none' && link.password_protected) body.password = null;
  if (s.domains.join(',') !== link.allowed_domains.join(',')) body.allowed_domains = s.domains;
  if ((s.maxViewers ?? null) !== (link.max_viewers ?? null)) body.max_viewers = s.maxViewers;
  if (o.showBrief !== link.show_brief) body.show_brief = o.showBrief;
  return body;
}

const SCOPES: Record<string, string> = {
  asset: 'Asset',
  version: 'One version',
  folder: 'Folder',
  project: 'Project',
  list: 'Review list',
};

/** "Review list · 3 assets", "Folder", … */
export function scopeLabel(link: Pick<ShareLink, 'scope' | 'asset_ids'>): string {
  const s = SCOPES[link.scope] ?? link.scope;
  return link.scope === 'list' ? `${s} · ${link.asset_ids.length} asset${link.asset_ids.length === 1 ? '' : 's'}` : s;
}

/** "Comment, decide, download proxy" or "View only". */
export function permissionsLabel(p: Schemas['Permissions']): string {
  const parts = [
    p.comment && 'comment',
    p.decide && 'decide',
    p.download_proxy && 'download proxy',
    p.download_original && 'download original',
  ].filter((x): x is string => !!x);
  if (!parts.length) return 'View only';
  const s = parts.join(', ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const ACTIONS: Record<string, string> = {
  opened: 'Opened',
  'password-failed': 'Wrong password',
  'verification-sent': 'Code sent',
  verified: 'E-mail proven',
  'viewer-limit': 'Refused: viewer limit',
  commented: 'Commented',
  decided: 'Decided',
  'downloaded-proxy': 'Downloaded the proxy',
  'downloaded-original': 'Downloaded the original',
  left: 'Left',
};

/** An access-log action in words. */
export function accessActionLabel(action: string): string {
  return ACTIONS[action] ?? action;
}

/** A local date and time, for expiries and logs: "23 Nov 2026, 17:04" (with seconds: "17:04:09"). */
export function dateTime(iso: string, seconds = false): string {
  return new Date(iso).toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
  });
}

/** A new link's options: guests may comment; no expiry (a week ahead is filled in), no password. */
export function defaultOptions(now: Date = new Date()): ShareOptions {
  const e = expiryIn(7, now);
  return {
    name: '',
    message: '',
    permissions: { comment: true, decide: false, download_proxy: false, download_original: false },
    versions: 'current',
    expires: false,
    expiryDate: e.date,
    expiryHour: e.hour,
    passwordMode: 'none',
    password: '',
    domains: '',
    maxViewers: '',
    showBrief: false,
  };
}
