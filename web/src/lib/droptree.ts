// Dropped folders: walking what a drag-and-drop (or a folder picker) brings into a flat list of
// files, each with the folder path it sits in under the drop target, and planning the folders
// to create, parents first. Pure over small interfaces of the File and Directory Entries API
// (`DataTransferItem.webkitGetAsEntry()`), so the tests drive it with fakes.

/** A dropped entry: a file or a directory (`FileSystemEntry`). */
export interface EntryLike {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
}

/** `FileSystemFileEntry`: hands over its File. */
export interface FileEntryLike<F> extends EntryLike {
  file(ok: (file: F) => void, fail?: (err: unknown) => void): void;
}

/** `FileSystemDirectoryEntry`: its reader answers children in batches until an empty one. */
export interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(ok: (entries: EntryLike[]) => void, fail?: (err: unknown) => void): void };
}

/** A file to upload and the folders it sits in under the drop target (`[]`: the target itself). */
export interface Dropped<F> {
  file: F;
  dir: string[];
}

// What operating systems leave in folders and nobody means to review: macOS's .DS_Store and
// ._ resource forks (any dot file, and dot folders like .git), Windows' Thumbs.db and desktop.ini.
const JUNK = new Set(['thumbs.db', 'desktop.ini']);

/** Whether a file or folder name is system clutter to leave out of an upload. */
export function isJunk(name: string): boolean {
  return name.startsWith('.') || JUNK.has(name.toLowerCase());
}

function isDirectory(e: EntryLike): e is DirectoryEntryLike {
  return e.isDirectory;
}

function fileOf<F>(e: FileEntryLike<F>): Promise<F> {
  return new Promise((ok, fail) => e.file(ok, fail));
}

/** Every child of a directory: `readEntries` answers at most about 100 at a time. */
async function children(dir: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = dir.createReader();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail));
    if (!batch.length) return all;
    all.push(...batch);
  }
}

/**
 * The files under the dropped entries, depth first in the order the browser lists them; each
 * directory's files keep their path from the dropped directory down (a dropped folder `Shoot`
 * gives `dir: ['Shoot', …]`). Junk is left out. Stops with an error past `maxFiles`.
 */
export async function walk<F>(entries: EntryLike[], maxFiles = 5000): Promise<Dropped<F>[]> {
  const out: Dropped<F>[] = [];
  const visit = async (e: EntryLike, dir: string[]): Promise<void> => {
    if (isJunk(e.name)) return;
    if (isDirectory(e)) {
      for (const child of await children(e)) await visit(child, [...dir, e.name]);
    } else if (e.isFile) {
      if (out.length >= maxFiles) throw new Error(`a drop may hold at most ${maxFiles} files`);
      out.push({ file: await fileOf(e as FileEntryLike<F>), dir });
    }
  };
  for (const e of entries) await visit(e, []);
  return out;
}

/**
 * Files from a folder picker (`<input webkitdirectory>`): `webkitRelativePath` is
 * `Shoot/Day 1/clip.mov`; the folders are every part but the last. Junk is left out.
 */
export function fromRelativePaths<F extends { name: string; webkitRelativePath?: string }>(files: Iterable<F>): Dropped<F>[] {
  const out: Dropped<F>[] = [];
  for (const file of files) {
    const parts = (file.webkitRelativePath || file.name).split('/').filter((p) => p !== '');
    if (parts.some(isJunk)) continue;
    out.push({ file, dir: parts.slice(0, -1) });
  }
  return out;
}

/** A folder path as one map key (names never hold NUL). */
export function pathKey(dir: readonly string[]): string {
  return dir.join('\u0000');
}

/**
 * The folders to make for these files: every distinct path and each of its parents, parents
 * before children, in the order they first appear.
 */
export function folderPlan(files: readonly { dir: readonly string[] }[]): string[][] {
  const seen = new Set<string>();
  const plan: string[][] = [];
  for (const f of files) {
    for (let depth = 1; depth <= f.dir.length; depth++) {
      const path = f.dir.slice(0, depth);
      const key = pathKey(path);
      if (seen.has(key)) continue;
      seen.add(key);
      plan.push(path);
    }
  }
  // A stable sort by depth keeps first-appearance order within a level.
  return plan.sort((a, b) => a.length - b.length);
}

/** "3 files in 2 folders" for a drop, for the page to say what it is about to do. */
export function dropSummary(files: readonly { dir: readonly string[] }[]): string {
  const folders = folderPlan(files).length;
  const f = `${files.length} file${files.length === 1 ? '' : 's'}`;
  return folders ? `${f} in ${folders} folder${folders === 1 ? '' : 's'}` : f;
}
