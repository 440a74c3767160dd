import { describe, expect, it } from 'vitest';
import { dropSummary, folderPlan, fromRelativePaths, isJunk, walk, type EntryLike } from './droptree';

// Fakes of FileSystemFileEntry and FileSystemDirectoryEntry; the "file" is its path, and a
// directory's reader hands out children `batch` at a time, as Chromium does (100 at a time).
function file(name: string, path = name): EntryLike {
  return { name, isFile: true, isDirectory: false, file: (ok: (f: string) => void) => setTimeout(() => ok(path)) } as EntryLike;
}
function dir(name: string, kids: EntryLike[], batch = 2): EntryLike {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader() {
      let at = 0;
      return {
        readEntries(ok: (e: EntryLike[]) => void) {
          const next = kids.slice(at, at + batch);
          at += next.length;
          setTimeout(() => ok(next));
        },
      };
    },
  } as EntryLike;
}

describe('walk', () => {
  it('lists every file under dropped folders with its folder path, reading directories to the end', async () => {
    const drop = [
      file('poster.png'),
      dir('Shoot', [
        file('a.mov', 'Shoot/a.mov'),
        file('b.mov', 'Shoot/b.mov'),
        file('c.mov', 'Shoot/c.mov'),
        dir('Day 2', [file('d.mov', 'Shoot/Day 2/d.mov'), dir('Empty', [])]),
        file('e.mov', 'Shoot/e.mov'),
      ]),
    ];
    const out = await walk<string>(drop);
    expect(out).toEqual([
      { file: 'poster.png', dir: [] },
      { file: 'Shoot/a.mov', dir: ['Shoot'] },
      { file: 'Shoot/b.mov', dir: ['Shoot'] },
      { file: 'Shoot/c.mov', dir: ['Shoot'] },
      { file: 'Shoot/Day 2/d.mov', dir: ['Shoot', 'Day 2'] },
      { file: 'Shoot/e.mov', dir: ['Shoot'] },
    ]);
  });

  it('leaves out system clutter and dot folders', async () => {
    const drop = [dir('Cut', [file('.DS_Store'), file('._a.mov'), file('Thumbs.db'), file('a.mov', 'Cut/a.mov'), dir('.git', [file('HEAD')])])];
    expect(await walk<string>(drop)).toEqual([{ file: 'Cut/a.mov', dir: ['Cut'] }]);
  });

  it('refuses a drop with more files than allowed', async () => {
    const drop = [dir('Big', [file('1'), file('2'), file('3')])];
    await expect(walk(drop, 2)).rejects.toThrow(/at most 2 files/);
  });

  it('fails the walk when a directory cannot be read', async () => {
    const broken = { name: 'Locked', isFile: false, isDirectory: true, createReader: () => ({ readEntries: (_ok: unknown, fail: (e: unknown) => void) => fail(new Error('NotReadableError')) }) };
    await expect(walk([broken as EntryLike])).rejects.toThrow('NotReadableError');
  });
});

describe('fromRelativePaths', () => {
  it('reads the folders from a folder picker’s relative paths', () => {
    const files = [
      { name: 'a.mov', webkitRelativePath: 'Shoot/a.mov' },
      { name: 'd.mov', webkitRelativePath: 'Shoot/Day 2/d.mov' },
      { name: '.DS_Store', webkitRelativePath: 'Shoot/.DS_Store' },
      { name: 'x', webkitRelativePath: 'Shoot/.cache/x' },
      { name: 'loose.png' },
    ];
    expect(fromRelativePaths(files).map((f) => [f.file.name, f.dir])).toEqual([
      ['a.mov', ['Shoot']],
      ['d.mov', ['Shoot', 'Day 2']],
      ['loose.png', []],
    ]);
  });
});

describe('folderPlan', () => {
  it('makes each folder once, parents before children, in first-seen order', () => {
    const plan = folderPlan([
      { dir: ['B', 'x', 'deep'] },
      { dir: [] },
      { dir: ['A'] },
      { dir: ['B', 'x'] },
      { dir: ['A', 'y'] },
      { dir: ['B'] },
    ]);
    expect(plan).toEqual([['B'], ['A'], ['B', 'x'], ['A', 'y'], ['B', 'x', 'deep']]);
  });
  it('tells folders with the same name in different places apart', () => {
    expect(folderPlan([{ dir: ['A', 'Renders'] }, { dir: ['B', 'Renders'] }])).toEqual([['A'], ['B'], ['A', 'Renders'], ['B', 'Renders']]);
  });
});

describe('isJunk and dropSummary', () => {
  it('spots clutter but keeps ordinary names', () => {
    expect(['.DS_Store', '._clip.mov', 'THUMBS.DB', 'desktop.ini'].every(isJunk)).toBe(true);
    expect(['clip.mov', 'Thumbs.db.mov', 'v1.final'].some(isJunk)).toBe(false);
  });
  it('says what a drop holds', () => {
    expect(dropSummary([{ dir: [] }])).toBe('1 file');
    expect(dropSummary([{ dir: ['A'] }, { dir: ['A', 'b'] }, { dir: [] }])).toBe('3 files in 2 folders');
  });
});
