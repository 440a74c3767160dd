// What the benchmarks share: percentiles, process CPU from /proc, one keep-alive HTTP client
// per simulated user, and the server's own request times from its JSON log.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const now = () => performance.now();
const MiB = 1024 * 1024;

/** Where `request` sends: set once the server under test listens. */
export const target = { host: '127.0.0.1', port: 0 };

export const sorted = (xs) => xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
/** Nearest-rank percentile (p in 0..100) of an ascending array. */
export function pct(s, p) {
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export function stats(xs) {
  const s = sorted(xs);
  return { n: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s.at(-1) ?? NaN, min: s[0] ?? NaN };
}
export function run(cmd, args, { input, env } = {}) {
  const r = spawnSync(cmd, args, { input, env, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FRAMEPROOF') || k === 'RUST_LOG') delete env[k];
  return env;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** CPU seconds (user + system) of a process, from /proc. */
export function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').map(Number);
    return (f[11] + f[12]) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/**
 * CPU seconds (all CPUs together) the hypervisor ran something else while this VM wanted to run
 * (`steal`, from /proc/stat): what the machine lost to its neighbours during a load.
 */
export function stolen() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[7] ?? 0) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** One client: its own API token and its own keep-alive connection. */
export function client(token) {
  return { token, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) };
}

/**
 * One request; resolves {status, headers, text, bytes, ms, t0} (ms: from just before the
 * request is written until the whole answer was read). Network errors resolve with status 0.
 */
export function request(c, method, path, { body, headers = {}, raw, timeoutMs = 120000 } = {}) {
  return new Promise((resolvePromise) => {
    const data = raw ?? (body === undefined ? null : Buffer.from(JSON.stringify(body)));
    const h = { ...headers };
    if (c?.token) h.authorization = `Bearer ${c.token}`;
    if (data) {
      h['content-type'] ??= 'application/json';
      h['content-length'] = data.length;
    }
    let t0 = 0;
    let done = false;
    const finish = (r) => {
      if (done) return;
      done = true;
      resolvePromise({ ...r, t0, ms: now() - t0 });
    };
    const req = http.request({ host: target.host, port: target.port, method, path, agent: c?.agent ?? false, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        finish({ status: res.statusCode, headers: res.headers, text: buf.toString('utf8'), bytes: buf.length });
      });
      res.on('error', (e) => finish({ status: 0, headers: {}, text: String(e), bytes: 0 }));
    });
    req.on('error', (e) => finish({ status: 0, headers: {}, text: String(e), bytes: 0 }));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    t0 = now();
    req.end(data ?? undefined);
  });
}

/** A request that must succeed; answers the parsed JSON body. */
export async function api(c, method, path, body, { expect, headers } = {}) {
  const r = await request(c, method, path, { body, headers });
  const ok = expect ? r.status === expect : r.status >= 200 && r.status < 300;
  if (!ok) throw new Error(`${method} ${path}: ${r.status} ${r.text.slice(0, 500)}`);
  return r.text ? JSON.parse(r.text) : null;
}

/** Server-side times (ms, as the server logs them: whole milliseconds) of requests matching method + route. */
export function serverTimes(chunks, method, route) {
  const out = [];
  for (const chunk of chunks) {
    for (const line of chunk.split('\n')) {
      if (!line.includes('"request"') || !line.includes(route)) continue;
      try {
        const e = JSON.parse(line);
        if (e.message === 'request' && e.method === method && e.route === route) out.push(Number(e.ms));
      } catch {
        // not a request line
      }
    }
  }
  return out;
}

