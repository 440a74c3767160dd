// Requests a page is sure to make, started while the app is still asking who is signed in (the
// review page's asset and versions), so they do not wait for that answer first. A page takes
// each at most once, within a few seconds; failed ones are dropped (the page asks again).

const FRESH_MS = 5000;
const started = new Map<string, { at: number; promise: Promise<unknown> }>();

/** Starts `fetcher` now, for a page to take under `key`. */
export function startEarly(key: string, fetcher: () => Promise<unknown>): void {
  const promise = fetcher();
  const entry = { at: Date.now(), promise };
  promise.catch(() => {
    if (started.get(key) === entry) started.delete(key);
  });
  started.set(key, entry);
}

/** The request started early under `key` when there is a fresh one (once), else `fetcher()`. */
export function early<T>(key: string, fetcher: () => Promise<T>, now = Date.now()): Promise<T> {
  const e = started.get(key);
  started.delete(key);
  return e && now - e.at < FRESH_MS ? (e.promise as Promise<T>) : fetcher();
}
