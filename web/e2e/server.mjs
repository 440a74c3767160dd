// Starts the real `frameproof serve` on a free port over a temp data dir, for the Node tests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const bin = process.env.FRAMEPROOF_BIN ? resolve(process.env.FRAMEPROOF_BIN) : join(root, 'target/debug/frameproof');

function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FRAMEPROOF')) delete env[k];
  return env;
}

/** Runs an admin command; returns stdout. */
export function admin(args, input = '') {
  const r = spawnSync(bin, ['admin', ...args], { input, env: cleanEnv(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`admin ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Starts a server (with a config file when given); resolves { url, setup, dataDir, stop(), kill() } once it listens. */
export function startServer({ dataDir = mkdtempSync(join(tmpdir(), 'fp-')), wantSetup = true, config = null } = {}) {
  return new Promise((resolvePromise, reject) => {
    const extra = config ? ['--config', config] : [];
    const child = spawn(bin, [...extra, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let url = null;
    let log = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30000);
    child.stderr.on('data', (d) => {
      log += d.toString();
      const l = log.match(/listening on (http:\/\/[0-9.:]+)/);
      if (l) url = l[1];
      const s = log.match(/setup: (http:\/\/\S+)/);
      if (url && (s || !wantSetup)) {
        clearTimeout(timer);
        resolvePromise({
          url,
          setup: s ? s[1] : null,
          dataDir,
          child,
          log: () => log,
          kill: () => child.kill('SIGKILL'),
          cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!url) reject(new Error(`server exited (${code}):\n${log}`));
    });
  });
}
