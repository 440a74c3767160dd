import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from './api/client';
import {
  accessActionLabel,
  createBody,
  expiryIn,
  expiryIso,
  expiryParts,
  mailNeededBy,
  optionsOf,
  parseDomains,
  parseEmails,
  parseMaxViewers,
  patchBody,
  permissionsLabel,
  scopeLabel,
  type ShareOptions,
} from './share';

// Local time matters: pin a zone with summer time.
beforeEach(() => {
  vi.stubEnv('TZ', 'Europe/Berlin');
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const options = (o: Partial<ShareOptions> = {}): ShareOptions => ({
  name: '',
  message: '',
  permissions: { comment: true, decide: false, download_proxy: false, download_original: false },
  versions: 'current',
  expires: false,
  expiryDate: '2026-12-01',
  expiryHour: 17,
  passwordMode: 'none',
  password: '',
  domains: '',
  maxViewers: '',
  showBrief: false,
  ...o,
});

const link = (l: Partial<Schemas['ShareLinkView']> = {}): Schemas['ShareLinkView'] => ({
  id: 'l1',
  project_id: 'p1',
  scope: 'asset',
  asset_id: 'a1',
  asset_ids: [],
  name: 'Hero film',
  message: '',
  permissions: { comment: true, decide: false, download_proxy: false, download_original: false },
  versions: 'current',
  expires_at: '2026-12-01T16:00:00.000Z',
  password_protected: true,
  allowed_domains: ['client.com'],
  max_viewers: null,
  show_brief: false,
  viewers: 0,
  opens: 0,
  state: 'active',
  created_at: '2026-11-23T10:00:00.000Z',
  updated_at: '2026-11-23T10:00:00.000Z',
  ...l,
});

describe('expiry', () => {
  it('turns a local date and hour into an RFC 3339 instant to the hour', () => {
    expect(expiryIso('2026-12-01', 17)).toBe('2026-12-01T16:00:00Z'); // CET, UTC+1
    expect(expiryIso('2026-07-01', 0)).toBe('2026-06-30T22:00:00Z'); // CEST, UTC+2
  });
  it('refuses what is not a date and an hour', () => {
    expect(() => expiryIso('', 3)).toThrow(/date/);
    expect(() => expiryIso('2026-12-01', 24)).toThrow();
    expect(() => expiryIso('2026-12-01', 1.5)).toThrow();
  });
  it('reads an instant back, rounding up to the next hour as the server does', () => {
    expect(expiryParts('2026-12-01T16:00:00.000Z')).toEqual({ date: '2026-12-01', hour: 17 });
    expect(expiryParts('2026-12-01T22:59:00.000Z')).toEqual({ date: '2026-12-02', hour: 0 });
    expect(expiryParts(expiryIso('2026-03-29', 5))).toEqual({ date: '2026-03-29', hour: 5 });
  });
  it('defaults to days ahead on the next full hour', () => {
    expect(expiryIn(7, new Date('2026-11-23T10:20:00Z'))).toEqual({ date: '2026-11-30', hour: 12 });
  });
});

describe('lists people type', () => {
  it('normalises domains like the server and names the bad ones', () => {
    expect(parseDomains('@Client.COM, client.com\nsub.agency.co.uk; com x@y.com .x.com')).toEqual({
      domains: ['client.com', 'sub.agency.co.uk'],
      invalid: ['com', 'x@y.com', '.x.com'],
    });
    expect(parseDomains('  ')).toEqual({ domains: [], invalid: [] });
  });
  it('reads e-mail addresses', () => {
    expect(parseEmails('Ann@Client.test, lee@client.test ann@client.test\nnope ann@x')).toEqual({
      emails: ['ann@client.test', 'lee@client.test'],
      invalid: ['nope', 'ann@x'],
    });
  });
  it('reads the viewer limit', () => {
    expect(parseMaxViewers('')).toBeNull();
    expect(parseMaxViewers(' 12 ')).toBe(12);
    expect(() => parseMaxViewers('0')).toThrow(/1 to 100 000/);
    expect(() => parseMaxViewers('2.5')).toThrow();
  });
});

describe('mailNeededBy', () => {
  it('names the option the server complains about, in its order', () => {
    expect(mailNeededBy({ recipients: 2, decide: true, domains: 1, maxViewers: true })).toBe('recipients');
    expect(mailNeededBy({ recipients: 0, decide: true, domains: 1, maxViewers: true })).toBe('decide');
    expect(mailNeededBy({ recipients: 0, decide: false, domains: 1, maxViewers: true })).toBe('domains');
    expect(mailNeededBy({ recipients: 0, decide: false, domains: 0, maxViewers: true })).toBe('max_viewers');
    expect(mailNeededBy({ recipients: 0, decide: false, domains: 0, maxViewers: false })).toBeNull();
  });
});

describe('createBody', () => {
  it('names exactly one target and only the options set', () => {
    expect(createBody({ kind: 'asset', id: 'a1', label: 'Hero' }, options())).toEqual({
      asset_id: 'a1',
      message: '',
      permissions: { comment: true, decide: false, download_proxy: false, download_original: false },
      versions: 'current',
    });
    const body = createBody(
      { kind: 'list', ids: ['a1', 'a2'], label: '2 assets' },
      options({ name: ' Cut-downs ', expires: true, passwordMode: 'set', password: 'open sesame', domains: 'Client.com', maxViewers: '5' }),
      ['ann@client.test'],
      ['r1'],
    );
    expect(body).toMatchObject({
      asset_ids: ['a1', 'a2'],
      name: 'Cut-downs',
      expires_at: '2026-12-01T16:00:00Z',
      password: 'open sesame',
      allowed_domains: ['client.com'],
      max_viewers: 5,
      recipients: ['ann@client.test'],
      recipient_list_ids: ['r1'],
    });
    expect(body).not.toHaveProperty('asset_id');
  });
  it('refuses bad domains and short passwords before asking the server', () => {
    expect(() => createBody({ kind: 'project', id: 'p', label: 'P' }, options({ domains: 'com' }))).toThrow(/com/);
    expect(() => createBody({ kind: 'project', id: 'p', label: 'P' }, options({ passwordMode: 'set', password: 'abc' }))).toThrow(/4 to 200/);
  });
});

describe('patchBody', () => {
  it('sends nothing when nothing changed', () => {
    const l = link();
    expect(patchBody(l, optionsOf(l))).toEqual({});
  });
  it('sends what changed, and null to clear', () => {
    const l = link();
    const o = optionsOf(l);
    o.expiryDate = '2026-12-08';
    o.passwordMode = 'none';
    o.domains = '';
    o.maxViewers = '3';
    o.permissions.download_proxy = true;
    expect(patchBody(l, o)).toEqual({
      expires_at: '2026-12-08T16:00:00Z',
      password: null,
      allowed_domains: [],
      max_viewers: 3,
      permissions: { comment: true, decide: false, download_proxy: true, download_original: false },
    });
    const never = optionsOf(l);
    never.expires = false;
    expect(patchBody(l, never)).toEqual({ expires_at: null });
  });
});

describe('labels', () => {
  it('says what a link shares and allows', () => {
    expect(scopeLabel({ scope: 'list', asset_ids: ['a', 'b'] })).toBe('Review list · 2 assets');
    expect(scopeLabel({ scope: 'folder', asset_ids: [] })).toBe('Folder');
    expect(permissionsLabel({})).toBe('View only');
    expect(permissionsLabel({ comment: true, download_original: true })).toBe('Comment, download original');
    expect(accessActionLabel('password-failed')).toBe('Wrong password');
    expect(accessActionLabel('something-new')).toBe('something-new');
  });
});

describe('showing the brief', () => {
  it('is sent when chosen and patched only when changed', () => {
    expect(createBody({ kind: 'asset', id: 'a1', label: 'Hero' }, options({ showBrief: true })).show_brief).toBe(true);
    expect('show_brief' in createBody({ kind: 'asset', id: 'a1', label: 'Hero' }, options())).toBe(false);
    expect(patchBody(link(), optionsOf(link())).show_brief).toBeUndefined();
    expect(patchBody(link(), { ...optionsOf(link()), showBrief: true }).show_brief).toBe(true);
  });
});
