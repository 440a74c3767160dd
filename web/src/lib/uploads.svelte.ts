// Uploads in progress: tus-js-client with resumption (after a dropped connection, and after a
// page reload when the same file is chosen again), pause/resume, progress and speed. At most
// three send at once; the others wait their turn (a dropped folder can hold hundreds). The tus
// client is fetched with the first upload, so pages that only watch never load it.
import type * as Tus from 'tus-js-client';

export type UploadItem = {
  key: string;
  name: string;
  size: number;
  sent: number;
  /** bytes per second, smoothed */
  speed: number;
  state: 'queued' | 'uploading' | 'paused' | 'done' | 'error';
  error: string | null;
  resumed: boolean;
};

export const uploads = $state<UploadItem[]>([]);
const running = new Map<string, Tus.Upload>();
let onDone: (() => void) | null = null;

/** Uploads sending at the same time. */
const AT_ONCE = 3;
/** Uploads waiting for a turn, oldest first, each with how to begin it. */
const waiting: { key: string; begin: () => void }[] = [];

/** Starts waiting uploads while fewer than AT_ONCE are sending. */
function pump() {
  while (uploads.filter((u) => u.state === 'uploading').length < AT_ONCE) {
    const next = waiting.shift();
    if (!next) return;
    const u = item(next.key);
    if (!u) continue;
    u.state = 'uploading';
    next.begin();
  }
}

/** Called after each upload finishes (the page refreshes its listing). */
export function whenUploaded(fn: (() => void) | null) {
  onDone = fn;
}

function item(key: string): UploadItem | undefined {
  return uploads.find((u) => u.key === key);
}

/** Starts uploading `file`: a new asset in a folder, or the next version of an asset's stack. */
export function startUpload(file: File, target: string | { asset: string }) {
  const into: Record<string, string> = typeof target === 'string' ? { folder_id: target } : { asset_id: target.asset };
  const key = `${file.name}:${file.size}:${Date.now()}:${Math.random()}`;
  uploads.push({ key, name: file.name, size: file.size, sent: 0, speed: 0, state: 'queued', error: null, resumed: false });
  waiting.push({ key, begin: () => void send(key, file, into) });
  pump();
}

/** Sends one file with tus, its turn come. */
async function send(key: string, file: File, into: Record<string, string>) {
  let tus: typeof Tus;
  try {
    tus = await import('tus-js-client');
  } catch {
    const u = item(key);
    if (u) {
      u.state = 'error';
      u.error = 'The upload could not start. Check your connection, then try again';
    }
    pump();
    return;
  }
  if (!item(key)) {
    // Cancelled meanwhile.
    pump();
    return;
  }
  let last = { t: performance.now(), bytes: 0 };
  const upload = new tus.Upload(file, {
    endpoint: '/api/v1/uploads',
    chunkSize: 50 * 1024 * 1024,
    retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
    removeFingerprintOnSuccess: true,
    metadata: { filename: file.name, filetype: file.type || 'application/octet-stream', ...into },
    onProgress(sent) {
      const u = item(key);
      if (!u) return;
      const now = performance.now();
      const dt = (now - last.t) / 1000;
      if (dt >= 0.5) {
        const instant = (sent - last.bytes) / dt;
        u.speed = u.speed ? u.speed * 0.6 + instant * 0.4 : instant;
        last = { t: now, bytes: sent };
      }
      u.sent = sent;
    },
    onError(err) {
      const u = item(key);
      if (!u) return;
      u.state = 'error';
      const body = (err as Tus.DetailedError).originalResponse?.getBody();
      let message = err.message;
      try {
        const parsed = body ? JSON.parse(body) : null;
        if (parsed?.message) message = `${parsed.message}${parsed.request_id ? ` (request id ${parsed.request_id})` : ''}`;
      } catch {
        // not JSON: keep tus-js-client's message
      }
      u.error = message;
      running.delete(key);
      pump();
    },
    onSuccess() {
      const u = item(key);
      if (u) {
        u.state = 'done';
        u.sent = u.size;
        u.speed = 0;
      }
      running.delete(key);
      onDone?.();
      pump();
    },
  });
  running.set(key, upload);
  // A file chosen again after a reload continues where it stopped.
  const previous = await upload.findPreviousUploads();
  const u = item(key);
  if (!u || u.state !== 'uploading') return;
  if (previous.length > 0 && previous[0]) {
    upload.resumeFromPreviousUpload(previous[0]);
    u.resumed = true;
  }
  upload.start();
}

export function pause(key: string) {
  const u = item(key);
  const up = running.get(key);
  if (!u || !up || u.state !== 'uploading') return;
  up.abort();
  u.state = 'paused';
  u.speed = 0;
  pump();
}

export function resume(key: string) {
  const u = item(key);
  const up = running.get(key);
  if (!u || !up || u.state !== 'paused') return;
  u.state = 'uploading';
  up.start();
}

export function cancel(key: string) {
  const up = running.get(key);
  if (up) up.abort(true).catch(() => undefined);
  running.delete(key);
  const w = waiting.findIndex((x) => x.key === key);
  if (w >= 0) waiting.splice(w, 1);
  const i = uploads.findIndex((u) => u.key === key);
  if (i >= 0) uploads.splice(i, 1);
  pump();
}

export function clearFinished() {
  for (let i = uploads.length - 1; i >= 0; i--) if (uploads[i]?.state === 'done') uploads.splice(i, 1);
}
