// The audit trail in words: event types as actions, subjects as nouns, details as a short line.
// Pure functions (tested in audit.test.ts).

const ACTIONS: Record<string, string> = {
  'workspace.created': 'Created the workspace',
  'workspace.updated': 'Changed the workspace',
  'member.added': 'Added a member',
  'member.updated': 'Changed a role',
  'member.removed': 'Removed a member',
  'invite.created': 'Invited someone',
  'invite.revoked': 'Revoked an invitation',
  'project.created': 'Created the project',
  'project.updated': 'Changed the project',
  'project.deleted': 'Deleted the project',
  'project.restored': 'Restored the project',
  'project.member_added': 'Added someone to the project',
  'project.member_removed': 'Removed someone from the project',
  'folder.created': 'Created a folder',
  'folder.updated': 'Changed a folder',
  'folder.deleted': 'Deleted a folder',
  'folder.restored': 'Restored a folder',
  'asset.created': 'Created an asset',
  'asset.updated': 'Changed an asset',
  'asset.deleted': 'Deleted an asset',
  'asset.restored': 'Restored an asset',
  'asset.approvers_changed': 'Named the required approvers',
  'version.added': 'Added a version',
  'version.playable': 'Version became playable',
  'version.ready': 'Version finished processing',
  'version.failed': 'Version could not be processed',
  'version.updated': 'Changed a version',
  'version.reordered': 'Reordered the versions',
  'version.current_changed': 'Made a version current',
  'version.moved': 'Moved a version',
  'version.deleted': 'Deleted a version',
  'version.locked': 'Locked a version',
  'version.unlocked': 'Unlocked a version',
  'version.superseded': 'Superseded a version',
  'comment.created': 'Commented',
  'comment.edited': 'Edited a comment',
  'comment.resolved': 'Resolved a comment',
  'comment.reopened': 'Reopened a comment',
  'comment.deleted': 'Deleted a comment',
  'decision.recorded': 'Decided',
  'share_link.created': 'Created a share link',
  'share_link.updated': 'Changed a share link',
  'share_link.revoked': 'Revoked a share link',
};

/** `comment.created` → "Commented"; unknown types as they are. */
export function auditAction(action: string): string {
  return ACTIONS[action] ?? action;
}

/** Who did it: a member, a guest (through a share link) or the server itself. */
export function auditActor(actor: unknown): { name: string; kind: string } {
  const a = (actor && typeof actor === 'object' ? actor : {}) as { name?: unknown; kind?: unknown };
  return { name: typeof a.name === 'string' && a.name ? a.name : 'Unknown', kind: typeof a.kind === 'string' ? a.kind : 'user' };
}

/** `comment:0190…` → { noun: "comment", id: "0190…" }. */
export function auditSubject(subject: string): { noun: string; id: string } {
  const i = subject.indexOf(':');
  return i < 0 ? { noun: subject, id: '' } : { noun: subject.slice(0, i).replace(/_/g, ' '), id: subject.slice(i + 1) };
}

// The facts worth a glance, in this order; the rest stays in the full details.
const KEYS: [string, string][] = [
  ['name', 'name'],
  ['filename', 'file'],
  ['number', 'version'],
  ['decision', 'decision'],
  ['body', 'text'],
  ['timecode', 'at'],
  ['reason', 'reason'],
  ['note', 'note'],
  ['role', 'role'],
  ['email', 'e-mail'],
  ['scope', 'scope'],
  ['state', 'state'],
  ['review_status', 'status'],
];

/** A short line of the details: up to `max` known facts, long texts cut. */
export function auditSummary(details: unknown, max = 3): string {
  if (!details || typeof details !== 'object') return '';
  const d = details as Record<string, unknown>;
  const out: string[] = [];
  for (const [key, label] of KEYS) {
    const v = d[key];
    if (v == null || v === '' || typeof v === 'object') continue;
    let s = key === 'number' ? `v${v}` : key === 'decision' || key === 'review_status' ? String(v).replace(/_/g, ' ') : String(v);
    if (s.length > 80) s = `${s.slice(0, 79)}…`;
    out.push(key === 'body' ? `“${s}”` : `${label} ${s}`);
    if (out.length === max) break;
  }
  return out.join(' · ');
}

/** The first characters of a hash, enough to compare by eye. */
export function shortHash(hash: string, n = 12): string {
  return hash.length > n ? `${hash.slice(0, n)}…` : hash;
}
