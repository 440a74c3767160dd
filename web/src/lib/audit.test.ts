import { describe, expect, it } from 'vitest';
import { auditAction, auditActor, auditSubject, auditSummary, shortHash } from './audit';

describe('audit in words', () => {
  it('names actions, actors and subjects', () => {
    expect(auditAction('comment.created')).toBe('Commented');
    expect(auditAction('new.kind')).toBe('new.kind');
    expect(auditActor({ kind: 'guest', id: null, name: 'Gina Guest' })).toEqual({ name: 'Gina Guest', kind: 'guest' });
    expect(auditActor(null)).toEqual({ name: 'Unknown', kind: 'user' });
    expect(auditSubject('share_link:abc')).toEqual({ noun: 'share link', id: 'abc' });
    expect(auditSubject('workspace')).toEqual({ noun: 'workspace', id: '' });
  });
  it('summarises details with the facts that matter, cut short', () => {
    expect(auditSummary({ id: 'c1', body: 'Logo too small', timecode: '00:00:00:05', frame: 5, annotation: { shapes: [] } })).toBe(
      '“Logo too small” · at 00:00:00:05',
    );
    expect(auditSummary({ decision: 'changes_requested', note: 'x'.repeat(100) })).toBe(`decision changes requested · note ${'x'.repeat(79)}…`);
    expect(auditSummary({ name: 'a', filename: 'b.mov', number: 2, body: 'c' }, 3)).toBe('name a · file b.mov · version v2');
    expect(auditSummary(null)).toBe('');
  });
  it('shortens hashes', () => {
    expect(shortHash('0123456789abcdef0123')).toBe('0123456789ab…');
    expect(shortHash('abc')).toBe('abc');
  });
});
