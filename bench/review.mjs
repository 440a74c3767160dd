#!/usr/bin/env node
// Frameproof review-core benchmark (not part of `make test`; see bench/README.md, "review").
// One run measures, each next to a baseline taken in the same run:
//   1. post: 100 concurrent API clients each posting 50 frame comments on one video version:
//      round-trip percentiles, throughput, failed writes and lost writes (acknowledged ids not
//      found when listing everything afterwards). Baseline: the same 100 × 50 requests against
//      `GET /api/v1/versions/{id}` (reads the database, writes nothing).
//   2. list: 32 clients for ~10 s on the first page of a version with 10 000 comments, then on
//      random later pages (cursors); a version with 2 000 drawings (page size and latency).
//      Baseline: the same load on `GET /api/v1/versions/{id}`.
//   3. live: 200 SSE clients on one asset's event stream; 200 comments posted one at a time;
//      post → `comment.created` delivery latency for every (comment, client) pair. Baseline:
//      the POST round trip alone.
// Writes a summary to stdout and bench/RESULTS-review.md. Needs the release binary, ffmpeg and
// Node 20; no npm packages.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { api, cleanEnv, client, cpuOf, request, run, serverTimes, stats, stolen, target } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

// ---- settings (environment overrides; the defaults are what the review issue asks for) ------
const DEFAULTS = {
  BENCH_SECTIONS: 'post,list,live',
  BENCH_POST_CLIENTS: '100', // concurrent writers, each with its own token and connection
  BENCH_POST_EACH: '50', // comments per writer
  BENCH_LIST_COMMENTS: '10000', // comments on the listing version
  BENCH_LIST_DRAWINGS: '2000', // comments with a drawing on the drawings version
  BENCH_LIST_CLIENTS: '32',
  BENCH_LIST_SECONDS: '10', // per listing load
  BENCH_SEED_CLIENTS: '16', // concurrent clients seeding the listing versions
  BENCH_WRK_SECONDS: '10', // the post section's wrk loads (when wrk is installed)
  BENCH_LIVE_CLIENTS: '200', // SSE connections
  BENCH_LIVE_COMMENTS: '200', // comments posted one at a time while they listen
  BENCH_LIVE_GAP_MS: '20', // pause after each answered POST
  BENCH_LIVE_IDLE_SECONDS: '75', // then keep the streams open this long, one comment every 5 s (0: skip)
  BENCH_DIR: os.tmpdir(),
  BENCH_RESULTS: join(here, 'RESULTS-review.md'),
  BENCH_SERVER_LOG: '', // a file to append every server log line to (for diagnosis)
  FRAMEPROOF_BIN: join(root, 'target/release/frameproof'),
};
const setting = (k) => process.env[k] ?? DEFAULTS[k];
const overrides = Object.keys(DEFAULTS).filter((k) => process.env[k] !== undefined && process.env[k] !== DEFAULTS[k]);
const num = (k) => {
  const n = Number(setting(k));
  if (!Number.isFinite(n) || n < 0) throw new Error(`${k} must be a number, not ${setting(k)}`);
  return n;
};
const SECTIONS = new Set(setting('BENCH_SECTIONS').split(',').map((s) => s.trim()));
const POST_CLIENTS = num('BENCH_POST_CLIENTS');
const POST_EACH = num('BENCH_POST_EACH');
const LIST_COMMENTS = num('BENCH_LIST_COMMENTS');
const LIST_DRAWINGS = num('BENCH_LIST_DRAWINGS');
const LIST_CLIENTS = num('BENCH_LIST_CLIENTS');
const LIST_SECONDS = num('BENCH_LIST_SECONDS');
const SEED_CLIENTS = num('BENCH_SEED_CLIENTS');
const LIVE_CLIENTS = num('BENCH_LIVE_CLIENTS');
const WRK_SECONDS = num('BENCH_WRK_SECONDS');
const LIVE_COMMENTS = num('BENCH_LIVE_COMMENTS');
const LIVE_GAP_MS = num('BENCH_LIVE_GAP_MS');
const LIVE_IDLE_SECONDS = num('BENCH_LIVE_IDLE_SECONDS');
const DEPTH_PROBES = 100; // single-client requests per page in the page-depth check
const IDLE_PROBE_EVERY_S = 5;
const BIN = resolve(setting('FRAMEPROOF_BIN'));
const RESULTS = resolve(setting('BENCH_RESULTS'));
const SERVER_LOG = setting('BENCH_SERVER_LOG');
const GOALS = { postP99Ms: 50, liveP99Ms: 50 };
const EMAIL = 'bench@example.com';
const PASSWORD = 'a long benchmark passphrase';
const CLIP_SECONDS = 10;
const CLIP_FPS = 25;
// The server logs every request at info (its default level), so the bench keeps that: the
// numbers include the server's per-request log line, as a default deployment would.
const SERVER_RUST_LOG = 'warn,frameproof_server=info';

// ---- small helpers -----------------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const log = (...a) => console.log(...a);
const MiB = 1024 * 1024;

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const ms = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : 'n/a');
const verdict = (ok) => (ok === undefined ? '' : ok ? 'MET' : 'MISSED');
const b64 = (s) => Buffer.from(s).toString('base64');

/** A small seeded PRNG (mulberry32), so frames, drawings and the cursors picked repeat run to run. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
function rssOf(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(t.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? NaN) * 1024;
  } catch {
    return NaN;
  }
}
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

// ---- the server ------------------------------------------------------------------------------
/**
 * Starts `frameproof serve` on a fresh data dir, redeems the set-up link it prints, and makes
 * the first API token with the set-up session. Every stderr line is drained; `request` lines
 * (method, route, status, ms) are kept while `srv.capture` is set, warnings and errors always.
 */
async function startServer(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const env = { ...cleanEnv(), RUST_LOG: SERVER_RUST_LOG };
  const child = spawn(BIN, ['--log-format', 'json', 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const srv = { child, pid: child.pid, dataDir, url: null, setup: null, tail: [], warnings: [], warnCount: 0, capture: null, lines: 0 };
  let partial = '';
  await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${srv.tail.join('\n')}`)), 30000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      partial += d;
      const cut = partial.lastIndexOf('\n');
      if (cut < 0) return;
      const text = partial.slice(0, cut);
      partial = partial.slice(cut + 1);
      if (SERVER_LOG) appendFileSync(SERVER_LOG, `${text}\n`);
      if (srv.capture) srv.capture.push(text); // parsed after the phase, to keep the bench's CPU free
      if (srv.setup && !text.includes('"WARN"') && !text.includes('"ERROR"')) {
        srv.lines += 1;
        return; // the hot path: request lines while not capturing
      }
      for (const line of text.split('\n')) {
        srv.lines += 1;
        srv.tail.push(line);
        if (srv.tail.length > 50) srv.tail.shift();
        if (line.includes('"WARN"') || line.includes('"ERROR"')) {
          srv.warnCount += 1;
          if (srv.warnings.length < 20) srv.warnings.push(line);
        }
        const l = line.match(/listening on (http:\/\/[0-9.:]+)/);
        if (l && !srv.url) srv.url = l[1];
        const s = line.match(/setup: (http:\/\/[^\s"]+\/setup\?token=([A-Za-z0-9_\-]+))/);
        if (s && !srv.setup) {
          srv.setup = s[2];
          clearTimeout(timer);
          resolvePromise();
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!srv.setup) reject(new Error(`the server exited (${code}):\n${srv.tail.join('\n')}`));
    });
  });
  const u = new URL(srv.url);
  target.host = u.hostname;
  target.port = Number(u.port);
  servers.add(srv);
  // Redeem the set-up link (the first user, owner of the first workspace), then make an API
  // token with the session it opens (a cookie request that changes state carries our Origin).
  const setup = await request(null, 'POST', '/api/v1/setup', {
    body: { token: srv.setup, email: EMAIL, name: 'Bench Owner', password: PASSWORD, workspace_name: 'Bench' },
  });
  if (setup.status !== 201) throw new Error(`POST /api/v1/setup: ${setup.status} ${setup.text}`);
  const welcome = JSON.parse(setup.text);
  const cookie = String([setup.headers['set-cookie']].flat()[0]).split(';')[0];
  const t = await api(null, 'POST', '/api/v1/account/tokens', { name: 'bench owner' }, { headers: { cookie, origin: srv.url } });
  srv.owner = client(t.token);
  srv.workspace = welcome.workspace.id;
  return srv;
}

async function stopServer(srv) {
  servers.delete(srv);
  if (srv.child.exitCode !== null) return;
  const exited = new Promise((r) => srv.child.once('exit', r));
  srv.child.kill('SIGTERM');
  const t = setTimeout(() => srv.child.kill('SIGKILL'), 15000);
  await exited;
  clearTimeout(t);
}

/** Captures the server's request log lines for the duration of `fn`; answers fn's result and the lines. */
async function captured(srv, fn) {
  srv.capture = [];
  try {
    const out = await fn();
    await sleep(50); // the last lines are written after the last answer
    return { out, lines: srv.capture };
  } finally {
    srv.capture = null;
  }
}

/** `n` API tokens for the owner, made `concurrency` at a time. */
async function makeTokens(srv, n, prefix, concurrency = 8) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        const t = await api(srv.owner, 'POST', '/api/v1/account/tokens', { name: `${prefix} ${i + 1}` }, { expect: 201 });
        out[i] = t.token;
      }
    }),
  );
  return out.map(client);
}

// ---- the video versions ----------------------------------------------------------------------
function makeClip(path) {
  run('ffmpeg', [
    ...['-hide_banner', '-nostdin', '-y', '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=${CLIP_FPS}`],
    ...['-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path],
  ]);
}

/** Uploads the clip as a new asset in one tus creation-with-upload request; answers the version id. */
async function uploadClip(srv, clip, name) {
  const bytes = readFileSync(clip);
  const r = await request(srv.owner, 'POST', '/api/v1/uploads', {
    raw: bytes,
    headers: {
      'tus-resumable': '1.0.0',
      'upload-length': String(bytes.length),
      'upload-metadata': `filename ${b64(name)},filetype ${b64('video/mp4')},folder_id ${b64(srv.folder)}`,
      'content-type': 'application/offset+octet-stream',
    },
  });
  const vid = r.headers['frameproof-version-id'];
  if (r.status !== 201 || !vid) throw new Error(`upload of ${name}: ${r.status} ${r.text} (no Frameproof-Version-Id)`);
  return vid;
}

async function waitReady(srv, vid, timeoutMs = 5 * 60 * 1000) {
  const t0 = now();
  for (;;) {
    const v = await api(srv.owner, 'GET', `/api/v1/versions/${vid}`);
    if (v.processing_state === 'ready' && v.frame_count) return v;
    if (v.processing_state === 'failed') throw new Error(`ingest of ${vid} failed: ${v.failure_reason}`);
    if (now() - t0 > timeoutMs) throw new Error(`ingest of ${vid} not ready after ${timeoutMs / 1000} s (${v.processing_state})`);
    await sleep(200);
  }
}

// ---- load shapes -------------------------------------------------------------------------------
/**
 * Each client first makes one GET of the version: its connection is opened, and its token's
 * once-a-minute last-use write is done, before anything is timed.
 */
async function warm(clients, vid) {
  await Promise.all(clients.map((c) => api(c, 'GET', `/api/v1/versions/${vid}`)));
}

/** Every client makes `each` requests one after another, all clients at once. */
async function fixedLoad(srv, clients, each, make) {
  const cpu0 = { server: cpuOf(srv.pid), bench: selfCpu(), stolen: stolen() };
  const t0 = now();
  const results = await Promise.all(
    clients.map(async (c, ci) => {
      const mine = [];
      for (let i = 0; i < each; i++) {
        const [method, path, body] = make(ci, i);
        mine.push({ ci, i, ...(await request(c, method, path, { body })) });
      }
      return mine;
    }),
  );
  const wall = now() - t0;
  return {
    all: results.flat(),
    wall,
    cpu: { server: cpuOf(srv.pid) - cpu0.server, bench: selfCpu() - cpu0.bench, stolen: stolen() - cpu0.stolen },
  };
}

/** Every client makes requests one after another until `seconds` have passed. */
async function timedLoad(srv, clients, seconds, make) {
  const cpu0 = { server: cpuOf(srv.pid), bench: selfCpu(), stolen: stolen() };
  const t0 = now();
  const end = t0 + seconds * 1000;
  const results = await Promise.all(
    clients.map(async (c, ci) => {
      const mine = [];
      for (let i = 0; now() < end; i++) {
        const [method, path, body, tag] = make(ci, i);
        const r = await request(c, method, path, { body });
        mine.push({ ci, i, tag, status: r.status, ms: r.ms, bytes: r.bytes, text: r.status === 200 ? undefined : r.text });
      }
      return mine;
    }),
  );
  const wall = now() - t0;
  return {
    all: results.flat(),
    wall,
    cpu: { server: cpuOf(srv.pid) - cpu0.server, bench: selfCpu() - cpu0.bench, stolen: stolen() - cpu0.stolen },
  };
}

/** Percentiles of the answered (expected status) requests, and a tally of the others. */
function summarize(load, expect, { label }) {
  const good = load.all.filter((r) => r.status === expect);
  const bad = load.all.filter((r) => r.status !== expect);
  const byStatus = {};
  for (const r of bad) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const s = stats(good.map((r) => r.ms));
  return {
    label,
    ...s,
    requests: load.all.length,
    ok: good.length,
    failed: bad.length,
    byStatus,
    firstError: bad[0]?.text?.slice(0, 300),
    rate: good.length / (load.wall / 1000),
    wall: load.wall,
    cpu: load.cpu,
  };
}

/** The steal during a load: seconds, and the share of the machine's CPU time (wall × CPUs). */
const stealShare = (s) => `${f2(s.cpu.stolen)} s (${f1((100 * s.cpu.stolen) / ((s.wall / 1000) * os.cpus().length))} %)`;

const versionPath = (vid) => `/api/v1/versions/${vid}`;
const commentsPath = (vid) => `/api/v1/versions/${vid}/comments`;

/** Every thread id of a version, paging with `limit`; and how the walk went. */
async function listAll(c, vid, limit) {
  const ids = [];
  const cursors = [];
  let cursor = null;
  let pages = 0;
  const t0 = now();
  for (;;) {
    const q = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const p = await api(c, 'GET', `${commentsPath(vid)}${q}`);
    pages += 1;
    for (const it of p.items) ids.push(it.id);
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
    cursors.push(cursor);
  }
  return { ids, cursors, pages, ms: now() - t0 };
}

function drawing(r) {
  const points = [];
  let x = 0.2 + 0.6 * r();
  let y = 0.2 + 0.6 * r();
  for (let i = 0; i < 40; i++) {
    x = Math.min(1, Math.max(0, x + (r() - 0.5) * 0.05));
    y = Math.min(1, Math.max(0, y + (r() - 0.5) * 0.05));
    points.push([Number(x.toFixed(4)), Number(y.toFixed(4))]);
  }
  return {
    shapes: [
      { type: 'freehand', color: '#ff0000', width: 3, points },
      { type: 'arrow', color: '#00ff00', width: 4, points: [[0.1, 0.1], [0.5, 0.5]] },
    ],
  };
}

/** Posts `n` comments on a version with `clients` at once (frames spread over the clip). */
async function seed(srv, clients, v, n, { withDrawing = false, seedNo = 1 } = {}) {
  const r = rng(seedNo);
  const bodies = Array.from({ length: n }, (_, i) => ({
    body: `seed comment ${i + 1}${withDrawing ? ' with a drawing' : ''}`,
    frame: Math.floor(r() * v.frame_count),
    ...(withDrawing ? { annotation: drawing(r) } : {}),
  }));
  let next = 0;
  let failed = 0;
  let firstError = '';
  const t0 = now();
  await Promise.all(
    clients.map(async (c) => {
      while (next < n) {
        const b = bodies[next++];
        const res = await request(c, 'POST', commentsPath(v.id), { body: b });
        if (res.status !== 201) {
          failed += 1;
          firstError ||= `${res.status} ${res.text.slice(0, 300)}`;
        }
      }
    }),
  );
  return { ms: now() - t0, failed, firstError };
}

// ---- sections ----------------------------------------------------------------------------------
async function postSection(srv, v, clients) {
  log(`\n== post: ${clients.length} clients × ${POST_EACH} comments on one version (baseline: the same requests as GET ${versionPath('{id}')})`);
  await warm(clients, v.id);
  const base = await captured(srv, () => fixedLoad(srv, clients, POST_EACH, () => ['GET', versionPath(v.id)]));
  const baseline = summarize(base.out, 200, { label: 'GET version' });
  baseline.server = stats(serverTimes(base.lines, 'GET', '/api/v1/versions/{id}'));
  log(`  baseline GET: p50 ${ms(baseline.p50)} ms, p99 ${ms(baseline.p99)} ms, max ${ms(baseline.max)} ms, ${f0(baseline.rate)} req/s, ${baseline.failed} not 200`);

  await warm(clients, v.id);
  const fc = v.frame_count;
  const posts = await captured(srv, () =>
    fixedLoad(srv, clients, POST_EACH, (ci, i) => ['POST', commentsPath(v.id), { body: `bench comment from client ${ci + 1}, #${i + 1}`, frame: (ci * POST_EACH + i) % fc }]),
  );
  const post = summarize(posts.out, 201, { label: 'POST comment' });
  post.server = stats(serverTimes(posts.lines, 'POST', '/api/v1/versions/{id}/comments'));
  const acked = posts.out.all.filter((r) => r.status === 201).map((r) => JSON.parse(r.text).id);
  // Acknowledged writes must all be there: list everything afterwards.
  const listed = await listAll(srv.owner, v.id, 200);
  const have = new Set(listed.ids);
  const lost = acked.filter((id) => !have.has(id));
  const ackedSet = new Set(acked);
  post.acked = acked.length;
  post.listed = listed.ids.length;
  post.lost = lost.length;
  post.unacked = listed.ids.filter((id) => !ackedSet.has(id)).length; // in the list, never acknowledged
  post.duplicates = listed.ids.length - have.size;
  log(
    `  POST comment: p50 ${ms(post.p50)} ms, p99 ${ms(post.p99)} ms, max ${ms(post.max)} ms, ${f0(post.rate)} comments/s; ` +
      `failed ${post.failed}${post.failed ? ` ${JSON.stringify(post.byStatus)} e.g. ${post.firstError}` : ''}; ` +
      `acknowledged ${post.acked}, listed ${post.listed} (${listed.pages} pages), lost ${post.lost}`,
  );
  log(`  server-side (its request log, whole ms): GET p50 ${baseline.server.p50} p99 ${baseline.server.p99}; POST p50 ${post.server.p50} p99 ${post.server.p99} max ${post.server.max}`);
  log(`  CPU taken by the host (steal) during the loads: GET ${stealShare(baseline)}, POST ${stealShare(post)}`);
  let wrk = null;
  if (haveWrk()) {
    const opts = { seconds: WRK_SECONDS, connections: POST_CLIENTS };
    wrk = { get: await wrkLoad(srv, clients[0].token, { ...opts, path: versionPath(v.id) }) };
    const body = `'{"body":"wrk comment ' .. n .. '","frame":' .. (n % ${fc}) .. '}'`;
    wrk.post = await wrkLoad(srv, clients[0].token, { ...opts, path: commentsPath(v.id), body });
    for (const [k, w] of Object.entries(wrk)) {
      log(`  wrk ${k.toUpperCase()}: p50 ${ms(w.p50)} ms, p99 ${ms(w.p99)} ms, max ${ms(w.max)} ms, ${f0(w.rate)}/s, ${w.non2xx} not 2xx ${w.errors}`);
    }
  } else {
    log('  wrk is not installed (apt-get install wrk): the lean-client rows are skipped');
  }
  return { baseline, post, wrk, load: load() };
}

/**
 * The same load shape from wrk (Debian's C load generator, when installed): `connections` keep-alive
 * connections on one thread for `seconds`, each sending its next request as soon as the last is
 * answered. It costs far less CPU than Node's clients, so on 2 CPUs its numbers show what the
 * server does with more of the machine. One token for all connections (wrk sends one header set).
 */
async function wrkLoad(srv, token, { path, body, seconds, connections }) {
  const dir = mkdtempSync(join(setting('BENCH_DIR'), 'fp-wrk-'));
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Authorization: Bearer ${token}`];
  if (body) {
    const lua = join(dir, 'post.lua');
    writeFileSync(
      lua,
      [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/json"',
        'local n = 0',
        'request = function()',
        '  n = n + 1',
        `  return wrk.format(nil, nil, nil, ${body})`,
        'end',
      ].join('\n'),
    );
    args.push('-s', lua);
  }
  args.push(`http://${target.host}:${target.port}${path}`);
  const cpu0 = cpuOf(srv.pid);
  // Asynchronously: the server's log must keep draining while wrk runs.
  const out = await new Promise((resolvePromise, reject) => {
    const child = spawn('wrk', args);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`wrk failed (${code}): ${text}`))));
  });
  const cpu = cpuOf(srv.pid) - cpu0;
  rmSync(dir, { recursive: true, force: true });
  const toMs = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? NaN);
  const pctl = (p) => {
    const m = out.match(new RegExp(`^\\s*${p}%\\s+([0-9.]+)(us|ms|s)\\s*$`, 'm'));
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const lat = out.match(/^\s*Latency\s+\S+\s+\S+\s+([0-9.]+)(us|ms|s)/m);
  const n = Number(out.match(/(\d+) requests in/)?.[1] ?? NaN);
  const secs = Number(out.match(/requests in ([0-9.]+)s/)?.[1] ?? NaN);
  const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
  const errors = out.match(/Socket errors:.*$/m)?.[0] ?? '';
  return {
    p50: pctl(50),
    p99: pctl(99),
    max: lat ? toMs(lat[1], lat[2]) : NaN,
    n,
    rate: (n - non2xx) / secs,
    non2xx,
    errors,
    cpu: { server: cpu, bench: NaN },
  };
}

function haveWrk() {
  return spawnSync('wrk', ['-v'], { encoding: 'utf8' }).error === undefined;
}

async function listSection(srv, vBig, vDraw, seeders, clients) {
  log(`\n== list: ${LIST_COMMENTS} comments on one version, ${LIST_CLIENTS} clients × ${LIST_SECONDS} s per load`);
  const r = {};
  log(`  seeding ${LIST_COMMENTS} comments with ${seeders.length} clients …`);
  r.seed = await seed(srv, seeders, vBig, LIST_COMMENTS, { seedNo: 1 });
  log(`  seeded in ${f1(r.seed.ms / 1000)} s (${f0(LIST_COMMENTS / (r.seed.ms / 1000))} comments/s), ${r.seed.failed} failed ${r.seed.firstError}`);
  log(`  seeding ${LIST_DRAWINGS} comments with drawings …`);
  r.seedDraw = await seed(srv, seeders, vDraw, LIST_DRAWINGS, { withDrawing: true, seedNo: 2 });
  log(`  seeded in ${f1(r.seedDraw.ms / 1000)} s, ${r.seedDraw.failed} failed ${r.seedDraw.firstError}`);

  // All cursors of the default page size, by walking the whole list once.
  const walk = await listAll(srv.owner, vBig.id, 50);
  r.walk = { pages: walk.pages, items: walk.ids.length, unique: new Set(walk.ids).size, ms: walk.ms };
  log(`  walked all ${walk.pages} pages of 50: ${walk.ids.length} items (${r.walk.unique} distinct) in ${f1(walk.ms)} ms`);
  const cursors = walk.cursors;
  const pick = rng(3);

  await warm(clients, vBig.id);
  const base = await timedLoad(srv, clients, LIST_SECONDS, () => ['GET', versionPath(vBig.id)]);
  r.baseline = summarize(base, 200, { label: 'GET version' });
  log(`  baseline GET version: p50 ${ms(r.baseline.p50)} ms, p99 ${ms(r.baseline.p99)} ms, ${f0(r.baseline.rate)} req/s`);

  await warm(clients, vBig.id);
  const first = await timedLoad(srv, clients, LIST_SECONDS, () => ['GET', commentsPath(vBig.id)]);
  r.first = summarize(first, 200, { label: 'first page' });
  r.first.bytes = stats(first.all.filter((x) => x.status === 200).map((x) => x.bytes)).p50;
  log(`  first page: p50 ${ms(r.first.p50)} ms, p99 ${ms(r.first.p99)} ms, ${f0(r.first.rate)} req/s, ${r.first.failed} not 200`);

  await warm(clients, vBig.id);
  const later = cursors.length
    ? await timedLoad(srv, clients, LIST_SECONDS, () => {
        const k = Math.floor(pick() * cursors.length);
        return ['GET', `${commentsPath(vBig.id)}?cursor=${encodeURIComponent(cursors[k])}`, undefined, k + 2];
      })
    : { all: [], wall: 1, cpu: {} };
  r.later = summarize(later, 200, { label: 'later pages' });
  // Does a page's depth cost anything? The shallowest and the deepest quarter of pages.
  const q = Math.max(1, Math.floor(walk.pages / 4));
  r.later.shallow = stats(later.all.filter((x) => x.status === 200 && x.tag <= 1 + q).map((x) => x.ms));
  r.later.deep = stats(later.all.filter((x) => x.status === 200 && x.tag > walk.pages - q).map((x) => x.ms));
  r.later.quarter = q;
  log(
    `  later pages: p50 ${ms(r.later.p50)} ms, p99 ${ms(r.later.p99)} ms, ${f0(r.later.rate)} req/s; ` +
      `pages 2–${1 + q} p50 ${ms(r.later.shallow.p50)} ms vs pages ${walk.pages - q + 1}–${walk.pages} p50 ${ms(r.later.deep.p50)} ms`,
  );
  // The same question without concurrency: one client, page 2 and the last page alternately.
  if (cursors.length > 1) {
    const paths = { 2: cursors[0], [walk.pages]: cursors.at(-1) };
    const one = { 2: [], [walk.pages]: [] };
    for (let i = 0; i < 2 * DEPTH_PROBES; i++) {
      const page = i % 2 ? walk.pages : 2;
      const res = await request(clients[0], 'GET', `${commentsPath(vBig.id)}?cursor=${encodeURIComponent(paths[page])}`);
      if (res.status === 200) one[page].push(res.ms);
    }
    r.depth = { shallow: stats(one[2]), deep: stats(one[walk.pages]), last: walk.pages };
    log(`  one client, ${DEPTH_PROBES} each: page 2 p50 ${ms(r.depth.shallow.p50)} ms, page ${walk.pages} p50 ${ms(r.depth.deep.p50)} ms`);
  }

  // The drawings version: one page's size, then the same load on its first page.
  const one = await request(clients[0], 'GET', commentsPath(vDraw.id));
  const page = JSON.parse(one.text);
  r.draw = {
    bytes: one.bytes,
    items: page.items.length,
    withDrawing: page.items.filter((i) => i.annotation?.shapes?.length === 2).length,
    more: Boolean(page.next_cursor),
    points: page.items[0]?.annotation?.shapes?.[0]?.points?.length ?? 0,
  };
  await warm(clients, vDraw.id);
  const dl = await timedLoad(srv, clients, LIST_SECONDS, () => ['GET', commentsPath(vDraw.id)]);
  r.drawLoad = summarize(dl, 200, { label: 'drawings first page' });
  log(
    `  drawings (${LIST_DRAWINGS}): first page ${r.draw.bytes} bytes, ${r.draw.items} items (${r.draw.withDrawing} with both shapes, next_cursor ${r.draw.more ? 'set' : 'absent'}); ` +
      `p50 ${ms(r.drawLoad.p50)} ms, p99 ${ms(r.drawLoad.p99)} ms, ${f0(r.drawLoad.rate)} req/s`,
  );
  r.load = load();
  return r;
}

/** One SSE connection; records when each `comment.created` (by payload id) was parsed. */
function openStream(c, assetId, onEvent) {
  return new Promise((resolvePromise) => {
    const s = { c, seen: new Map(), events: 0, other: 0, bad: 0, closed: false, error: null, req: null };
    const req = http.request(
      {
        host: target.host,
        port: target.port,
        method: 'GET',
        path: `/api/v1/events?asset=${assetId}`,
        agent: c.agent,
        headers: { authorization: `Bearer ${c.token}`, accept: 'text/event-stream' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          s.error = `status ${res.statusCode}`;
          res.resume();
          resolvePromise(s);
          return;
        }
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (d) => {
          const t = now();
          buf += d;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let kind = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue; // keep-alive comment
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              let value = colon < 0 ? '' : line.slice(colon + 1);
              if (value.startsWith(' ')) value = value.slice(1);
              if (field === 'event') kind = value;
              else if (field === 'data') data += data ? `\n${value}` : value;
            }
            if (!data) continue;
            s.events += 1;
            if (kind !== 'comment.created') {
              s.other += 1;
              continue;
            }
            try {
              const id = JSON.parse(data).payload.id;
              if (!s.seen.has(id)) s.seen.set(id, t);
              onEvent?.(s, id);
            } catch {
              s.bad += 1;
            }
          }
        });
        res.on('end', () => {
          s.closed = true;
        });
        res.on('error', (e) => {
          s.closed = true;
          s.error ??= String(e);
        });
        resolvePromise(s);
      },
    );
    req.on('error', (e) => {
      s.error = String(e);
      s.closed = true;
      resolvePromise(s);
    });
    s.req = req;
    req.end();
  });
}

async function metric(name) {
  const r = await request(null, 'GET', '/metrics');
  return Number(r.text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
}

async function liveSection(srv, v, listeners, poster) {
  log(`\n== live: ${listeners.length} SSE clients on one asset, ${LIVE_COMMENTS} comments posted one at a time (${LIVE_GAP_MS} ms apart)`);
  const r = {};
  const path = commentsPath(v.id);
  const body = (k, what) => ({ body: `${what} ${k + 1}`, frame: k % v.frame_count });
  await warm([poster], v.id);

  // Baseline: the same POSTs with nobody listening.
  const alone = [];
  for (let k = 0; k < LIVE_COMMENTS; k++) {
    const res = await request(poster, 'POST', path, { body: body(k, 'no listeners') });
    if (res.status === 201) alone.push(res.ms);
    await sleep(LIVE_GAP_MS);
  }
  r.alone = stats(alone);
  r.aloneFailed = LIVE_COMMENTS - alone.length;
  log(`  POST with no stream open: p50 ${ms(r.alone.p50)} ms, p99 ${ms(r.alone.p99)} ms (${r.aloneFailed} failed)`);

  // Open every stream (a few at a time), then wait until all of them see one warm-up comment.
  await warm(listeners, v.id);
  const t0 = now();
  const streams = [];
  for (let i = 0; i < listeners.length; i += 20) {
    streams.push(...(await Promise.all(listeners.slice(i, i + 20).map((c) => openStream(c, v.asset_id)))));
  }
  r.connectMs = now() - t0;
  const refused = streams.filter((s) => s.error);
  r.refused = refused.length;
  if (refused.length) log(`  ${refused.length} streams refused, e.g. ${refused[0].error}`);
  r.openGauge = await metric('frameproof_event_streams');
  const warmup = await api(poster, 'POST', path, body(0, 'warm-up'), { expect: 201 });
  const tw = now();
  for (;;) {
    const missing = streams.filter((s) => !s.error && !s.seen.has(warmup.id)).length;
    if (missing === 0 || now() - tw > 30000) {
      r.warmupMissing = missing;
      break;
    }
    await sleep(10);
  }
  r.warmupMs = now() - tw;
  log(`  ${streams.length - r.refused} streams open in ${f0(r.connectMs)} ms (server gauge: ${r.openGauge}); warm-up comment seen by all but ${r.warmupMissing} within ${f0(r.warmupMs)} ms`);

  // The measured posts.
  const sent = [];
  const cpu0 = { server: cpuOf(srv.pid), bench: selfCpu(), stolen: stolen() };
  const rss0 = rssOf(srv.pid);
  const tp = now();
  const posted = await captured(srv, async () => {
    for (let k = 0; k < LIVE_COMMENTS; k++) {
      const res = await request(poster, 'POST', path, { body: body(k, 'live comment') });
      if (res.status === 201) sent.push({ id: JSON.parse(res.text).id, t0: res.t0, rtt: res.ms });
      else sent.push({ id: null, t0: res.t0, rtt: res.ms, status: res.status, text: res.text });
      await sleep(LIVE_GAP_MS);
    }
    // Wait for stragglers: until every stream has every comment, or 10 s after the last post.
    const ids = sent.filter((x) => x.id).map((x) => x.id);
    const tl = now();
    while (now() - tl < 10000) {
      if (streams.every((s) => s.error || ids.every((id) => s.seen.has(id)))) break;
      await sleep(20);
    }
  });
  r.postWall = now() - tp;
  r.cpu = { server: cpuOf(srv.pid) - cpu0.server, bench: selfCpu() - cpu0.bench };
  r.rss = { before: rss0, after: rssOf(srv.pid) };
  const ok = sent.filter((x) => x.id);
  r.postFailed = sent.length - ok.length;
  r.rtt = stats(ok.map((x) => x.rtt));
  r.serverPost = stats(serverTimes(posted.lines, 'POST', '/api/v1/versions/{id}/comments'));
  const live = streams.filter((s) => !s.error);
  const lat = [];
  let missing = 0;
  const perComment = [];
  for (const x of ok) {
    const mine = [];
    for (const s of live) {
      const t = s.seen.get(x.id);
      if (t === undefined) missing += 1;
      else {
        lat.push(t - x.t0);
        mine.push(t - x.t0);
      }
    }
    perComment.push(stats(mine));
  }
  r.pairs = ok.length * streams.length;
  r.undelivered = missing + r.refused * ok.length;
  r.delivery = stats(lat);
  // How long the last of the streams took, per comment (the fan-out's tail), and its trend.
  r.lastPerComment = stats(perComment.map((p) => p.max));
  r.firstHalfP50 = stats(perComment.slice(0, Math.floor(perComment.length / 2)).map((p) => p.p50)).p50;
  r.secondHalfP50 = stats(perComment.slice(Math.floor(perComment.length / 2)).map((p) => p.p50)).p50;
  r.closedEarly = live.filter((s) => s.closed).length;
  r.otherEvents = live.reduce((a, s) => a + s.other, 0);
  r.badEvents = live.reduce((a, s) => a + s.bad, 0);
  log(
    `  POST with ${live.length} streams open: p50 ${ms(r.rtt.p50)} ms, p99 ${ms(r.rtt.p99)} ms (${r.postFailed} failed); ` +
      `server-side p50 ${r.serverPost.p50} p99 ${r.serverPost.p99} ms`,
  );
  log(
    `  delivery over ${r.pairs} (comment, client) pairs: p50 ${ms(r.delivery.p50)} ms, p99 ${ms(r.delivery.p99)} ms, max ${ms(r.delivery.max)} ms; ` +
      `undelivered ${r.undelivered}; streams closed early ${r.closedEarly}; CPU s server ${f2(r.cpu.server)}, bench ${f2(r.cpu.bench)}`,
  );

  // Quiet streams: one comment every few seconds for longer than a minute. Each stream
  // re-checks its credential every few seconds, and a token's last use is written at most once
  // a minute, so this shows what open streams cost when little happens, and the delivery of
  // sparse comments.
  if (LIVE_IDLE_SECONDS > 0) {
    const probes = [];
    const perSecond = [];
    const i0 = now();
    const cpuStart = cpuOf(srv.pid);
    let cpuLast = cpuStart;
    let tick = 0;
    const streamsAge = (i0 - t0) / 1000; // since the streams were opened (their tokens were used just before)
    while (now() - i0 < LIVE_IDLE_SECONDS * 1000) {
      await sleep(1000);
      tick += 1;
      const c = cpuOf(srv.pid);
      perSecond.push(c - cpuLast);
      cpuLast = c;
      if (tick % IDLE_PROBE_EVERY_S === 0) {
        const res = await request(poster, 'POST', path, { body: body(tick, 'sparse comment') });
        if (res.status === 201) probes.push({ id: JSON.parse(res.text).id, t0: res.t0, rtt: res.ms, at: tick });
      }
    }
    const tl = now();
    while (now() - tl < 10000 && !streams.every((s) => s.error || probes.every((p) => s.seen.has(p.id)))) await sleep(20);
    const idleLat = [];
    let idleMissing = 0;
    const perProbe = [];
    for (const p of probes) {
      const mine = [];
      for (const s of live) {
        const t = s.seen.get(p.id);
        if (t === undefined) idleMissing += 1;
        else {
          idleLat.push(t - p.t0);
          mine.push(t - p.t0);
        }
      }
      perProbe.push({ at: p.at, rtt: p.rtt, ...stats(mine) });
    }
    const busiest = perSecond.reduce((b, x, i) => (x > perSecond[b] ? i : b), 0);
    r.idle = {
      seconds: LIVE_IDLE_SECONDS,
      cpu: cpuLast - cpuStart,
      busiest: { cpu: perSecond[busiest], at: busiest + 1, streamsAgeAt: streamsAge + busiest + 1 },
      perSecond,
      probes: probes.length,
      pairs: probes.length * streams.length,
      undelivered: idleMissing + r.refused * probes.length,
      delivery: stats(idleLat),
      rtt: stats(probes.map((p) => p.rtt)),
      perProbe,
      closedEarly: live.filter((s) => s.closed).length,
    };
    log(
      `  quiet ${LIVE_IDLE_SECONDS} s (streams ${f0(streamsAge)} s old at its start): server CPU ${f2(r.idle.cpu)} s, busiest second ${f2(r.idle.busiest.cpu)} s ` +
        `(at ${f0(r.idle.busiest.streamsAgeAt)} s of stream age); ${probes.length} sparse comments: delivery p50 ${ms(r.idle.delivery.p50)} ms, ` +
        `p99 ${ms(r.idle.delivery.p99)} ms, max ${ms(r.idle.delivery.max)} ms, undelivered ${r.idle.undelivered}`,
    );
    log(`    per comment (s into the quiet: POST ms / delivery p50 / max ms): ${perProbe.map((p) => `${p.at}: ${ms(p.rtt)}/${ms(p.p50)}/${ms(p.max)}`).join(', ')}`);
    log(`    server CPU per second: ${perSecond.map(f2).join(' ')}`);
  }
  for (const s of streams) s.req?.destroy();
  for (const c of listeners) c.agent.destroy();
  r.load = load();
  return r;
}

// ---- report ------------------------------------------------------------------------------------
function machine() {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
  const free = spawnSync('free', ['-g'], { encoding: 'utf8' }).stdout.trim();
  const df = spawnSync('df', ['-hT', work], { encoding: 'utf8' }).stdout.trim().split('\n').at(-1);
  const ffmpeg = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const git = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no', '--', 'crates'], { encoding: 'utf8' }).stdout.trim();
  const built = statSync(BIN).mtime;
  const newest = spawnSync('bash', ['-c', `find '${root}/crates' -name '*.rs' -newer '${BIN}' | head -1`], { encoding: 'utf8' }).stdout.trim();
  return {
    nproc: os.cpus().length,
    cpu,
    free,
    df,
    ffmpeg,
    git: `${git}${dirty ? ' + uncommitted changes under crates/' : ''}`,
    built: built.toISOString().replace('T', ' ').slice(0, 19),
    stale: newest ? newest.replace(`${root}/`, '') : '',
    node: process.version,
  };
}

function command() {
  const env = overrides.map((k) => `${k}=${process.env[k]}`).join(' ');
  const base = process.env.MAKELEVEL ? 'make bench-review' : 'node bench/review.mjs';
  return env ? `${env} ${base}` : base;
}

function report(m, po, li, lv, srvInfo) {
  // Latency rows: | measure | p50 | p99 | max | n | rate | CPU s server / bench | goal | |
  const lat = [];
  const L = (what, s, rate, cpu, goal = '', ok = undefined) =>
    lat.push({
      what,
      p50: ms(s.p50),
      p99: ms(s.p99),
      max: ms(s.max),
      n: String(s.n ?? ''),
      rate: rate === undefined ? '' : `${f0(rate)}/s`,
      cpu: cpu ? `${f1(cpu.server)} / ${f1(cpu.bench)}` : '',
      cpuPer: cpu && s.n ? f2((cpu.server * 1000) / s.n) : '',
      goal,
      ok,
    });
  // Count rows: | measure | value | goal | |
  const cnt = [];
  const C = (what, value, goal = '', ok = undefined) => cnt.push({ what, value: String(value), goal, ok });
  if (po) {
    const { baseline: b, post: p } = po;
    L(`post: baseline GET /versions/{id}, ${POST_CLIENTS} clients × ${POST_EACH}`, b, b.rate, b.cpu);
    L(`post: POST /versions/{id}/comments, ${POST_CLIENTS} clients × ${POST_EACH}`, p, p.rate, p.cpu, `p99 ≤ ${GOALS.postP99Ms} ms`, p.p99 <= GOALS.postP99Ms);
    L('post: baseline GET, server-side (its request log, whole ms)', b.server);
    L('post: POST, server-side (its request log, whole ms)', p.server);
    if (po.wrk) {
      const w = po.wrk;
      L(`post: wrk, GET /versions/{id}, ${POST_CLIENTS} connections, ${WRK_SECONDS} s`, w.get, w.get.rate, w.get.cpu);
      L(`post: wrk, POST /versions/{id}/comments, ${POST_CLIENTS} connections, ${WRK_SECONDS} s`, w.post, w.post.rate, w.post.cpu, `p99 ≤ ${GOALS.postP99Ms} ms`, w.post.p99 <= GOALS.postP99Ms);
    }
    C('post: POST / GET round trip, at p50 and at p99', `${f1(p.p50 / b.p50)}× and ${f1(p.p99 / b.p99)}×`);
    C('post: CPU taken by the host (steal) during the GET and POST loads', `${stealShare(b)}, ${stealShare(p)}`);
    if (po.wrk) C('post: wrk, answers not 2xx (GET, POST)', `${po.wrk.get.non2xx}, ${po.wrk.post.non2xx}`, '0', po.wrk.get.non2xx + po.wrk.post.non2xx === 0);
    C('post: failed writes (not 201)', `${p.failed}${p.failed ? ` ${JSON.stringify(p.byStatus)}` : ''} of ${p.requests}`, '0', p.failed === 0);
    C('post: lost writes (acknowledged, not listed)', `${p.lost} of ${p.acked} (listed ${p.listed}, never acknowledged ${p.unacked}, duplicates ${p.duplicates})`, '0', p.lost === 0);
  }
  if (li) {
    L(`list: baseline GET /versions/{id}, ${LIST_CLIENTS} clients, ${LIST_SECONDS} s`, li.baseline, li.baseline.rate, li.baseline.cpu);
    L(`list: first page of ${LIST_COMMENTS} (limit 50)`, li.first, li.first.rate, li.first.cpu);
    L(`list: random later page (cursor), ${li.walk.pages - 1} cursors`, li.later, li.later.rate, li.later.cpu);
    L(`list: … pages 2–${1 + li.later.quarter} only`, li.later.shallow);
    L(`list: … pages ${li.walk.pages - li.later.quarter + 1}–${li.walk.pages} only`, li.later.deep);
    if (li.depth) {
      L(`list: one client, page 2 (${DEPTH_PROBES} requests)`, li.depth.shallow);
      L(`list: one client, page ${li.depth.last} (${DEPTH_PROBES} requests)`, li.depth.deep);
    }
    L(`list: first page of ${LIST_DRAWINGS} comments with drawings`, li.drawLoad, li.drawLoad.rate, li.drawLoad.cpu);
    C('list: first page / GET version, at p50 and at p99', `${f1(li.first.p50 / li.baseline.p50)}× and ${f1(li.first.p99 / li.baseline.p99)}×`);
    C('list: failed requests (not 200) in the loads', li.baseline.failed + li.first.failed + li.later.failed + li.drawLoad.failed, '0', li.baseline.failed + li.first.failed + li.later.failed + li.drawLoad.failed === 0);
    C(`list: whole list walked (limit 50)`, `${li.walk.items} items (${li.walk.unique} distinct) in ${li.walk.pages} pages, ${f0(li.walk.ms)} ms`, `${LIST_COMMENTS}`, li.walk.unique === LIST_COMMENTS);
    C('list: first page with drawings: size, items', `${li.draw.bytes} bytes, ${li.draw.items} items (next_cursor ${li.draw.more ? 'set' : 'absent'})`, 'paged', li.draw.items <= 50 && li.draw.more);
    C('list: first page without drawings: size (median)', `${li.first.bytes} bytes`);
    C(`list: seeding ${LIST_COMMENTS} + ${LIST_DRAWINGS} comments, ${SEED_CLIENTS} clients`, `${f1(li.seed.ms / 1000)} s (${f0(LIST_COMMENTS / (li.seed.ms / 1000))}/s) + ${f1(li.seedDraw.ms / 1000)} s (${f0(LIST_DRAWINGS / (li.seedDraw.ms / 1000))}/s), ${li.seed.failed + li.seedDraw.failed} failed`);
  }
  if (lv) {
    L(`live: POST round trip, no stream open (${LIVE_COMMENTS}, one at a time)`, lv.alone);
    L(`live: POST round trip, ${LIVE_CLIENTS} streams open (baseline)`, lv.rtt);
    L(`live: POST → comment.created parsed, all ${lv.pairs} pairs`, lv.delivery, undefined, lv.cpu, `p99 ≤ ${GOALS.liveP99Ms} ms`, lv.delivery.p99 <= GOALS.liveP99Ms);
    L('live: … the last of the streams, per comment', lv.lastPerComment);
    if (lv.idle) {
      L(`live: quiet streams, 1 comment / ${IDLE_PROBE_EVERY_S} s for ${lv.idle.seconds} s: POST round trip`, lv.idle.rtt);
      L(`live: quiet streams: POST → comment.created, ${lv.idle.pairs} pairs`, lv.idle.delivery, undefined, undefined, `p99 ≤ ${GOALS.liveP99Ms} ms`, lv.idle.delivery.p99 <= GOALS.liveP99Ms);
    }
    C('live: undelivered (comment, client) pairs', `${lv.undelivered} of ${lv.pairs}`, '0', lv.undelivered === 0);
    if (lv.idle) {
      C('live: quiet streams: undelivered pairs', `${lv.idle.undelivered} of ${lv.idle.pairs}`, '0', lv.idle.undelivered === 0);
      C(
        `live: quiet streams: server CPU over ${lv.idle.seconds} s`,
        `${f2(lv.idle.cpu)} s; busiest second ${f2(lv.idle.busiest.cpu)} s, at ${f0(lv.idle.busiest.streamsAgeAt)} s after the streams opened`,
      );
      C('live: quiet streams: per comment, s into the quiet: POST ms / delivery p50 / max ms', lv.idle.perProbe.map((p) => `${p.at}: ${ms(p.rtt)}/${ms(p.p50)}/${ms(p.max)}`).join(', '));
    }
    C('live: streams refused, closed early', `${lv.refused}, ${lv.closedEarly}`);
    C('live: delivery p50, first vs second half of the comments', `${ms(lv.firstHalfP50)} ms vs ${ms(lv.secondHalfP50)} ms`);
    C('live: connecting the streams; warm-up comment seen by all', `${f0(lv.connectMs)} ms; ${f0(lv.warmupMs)} ms (${lv.warmupMissing} missing)`);
    C('live: server RSS before, after the posts', `${f1(lv.rss.before / 1e6)} MB, ${f1(lv.rss.after / 1e6)} MB`);
  }
  C('server log: warnings and errors', `${srvInfo.warnCount}${srvInfo.warnCount ? ` (e.g. ${srvInfo.warnings[0].slice(0, 200)})` : ''}`);

  // Console.
  log('\n== summary (latency in ms; rate = answered requests per second of wall time; CPU s = server / bench process)');
  const w = Math.max(...lat.map((r) => r.what.length), ...cnt.map((r) => r.what.length));
  log(`  ${'measure'.padEnd(w)}  ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)} ${'n'.padStart(7)} ${'rate'.padStart(8)}  ${'CPU s'.padEnd(11)} ms/req  goal`);
  for (const r of lat) {
    log(`  ${r.what.padEnd(w)}  ${r.p50.padStart(7)} ${r.p99.padStart(7)} ${r.max.padStart(7)} ${r.n.padStart(7)} ${r.rate.padStart(8)}  ${r.cpu.padEnd(11)} ${r.cpuPer.padStart(6)}  ${r.goal} ${verdict(r.ok)}`);
  }
  log('');
  for (const r of cnt) log(`  ${r.what.padEnd(w)}  ${r.value}  ${r.goal ? `(goal ${r.goal}) ` : ''}${verdict(r.ok)}`);

  // RESULTS-review.md.
  const md = [];
  md.push('# Review-core benchmark results', '');
  md.push(`Measured ${results.started.toISOString().replace('T', ' ').slice(0, 16)} UTC by \`bench/review.mjs\` (what each number means: [README.md](README.md#review-core-benchmark)).`, '');
  md.push('Command (from the repository root, after `make build`):', '', '```sh', command(), '```', '');
  md.push('## Machine', '');
  md.push(`- ${m.nproc} CPUs: ${m.cpu}`);
  md.push('- Memory (`free -g`):', '', '```', m.free, '```', '');
  md.push(`- Disk for the data dir (\`df -hT\`): \`${m.df}\``);
  md.push(`- ${m.ffmpeg}; Node ${m.node} (the clients: one process, \`node:http\`, one keep-alive connection per client)`);
  md.push(
    `- Binary \`${BIN.replace(`${root}/`, '')}\` built ${m.built} UTC; repository at run time: ${m.git}` +
      (m.stale ? ` (some sources changed after the build, e.g. \`${m.stale}\`)` : ' (no source under crates/ is newer than the binary)'),
  );
  md.push(
    `- Load average (1, 5, 15 min) at the start: ${results.load.start}` +
      [po && `; after post: ${po.load}`, li && `; after list: ${li.load}`, lv && `; after live: ${lv.load}`].filter(Boolean).join(''),
  );
  md.push(`- Server: \`frameproof --log-format json serve --data-dir … --listen 127.0.0.1:0\`, default configuration, \`RUST_LOG=${SERVER_RUST_LOG}\` (so every request is logged, as at the default level); SQLite in WAL mode with \`synchronous=FULL\`.`);
  md.push('', '## Latency', '');
  md.push(
    'Round trips in milliseconds, measured by the client from just before the request is written until the whole answer is read. ' +
      'Percentiles are nearest-rank over every answered request of the load (n). Rate: answered requests per second of the load\'s wall time. ' +
      'CPU s: CPU seconds used during the load by the server process / by the benchmark process (which runs every client; the machine has ' +
      `${m.nproc} CPUs, shared by both); server CPU ms / n is the server's CPU time divided by n (per request; for the delivery rows per (comment, stream) pair).`,
    '',
  );
  md.push('| measure | p50 | p99 | max | n | rate | CPU s server / bench | server CPU ms / n | goal | |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of lat) md.push(`| ${r.what} | ${r.p50} | ${r.p99} | ${r.max} | ${r.n} | ${r.rate} | ${r.cpu} | ${r.cpuPer} | ${r.goal} | ${verdict(r.ok)} |`);
  md.push('', '## Counts and sizes', '');
  md.push('| measure | value | goal | |', '| --- | --- | --- | --- |');
  for (const r of cnt) md.push(`| ${r.what.replaceAll('|', '\\|')} | ${r.value.replaceAll('|', '\\|')} | ${r.goal} | ${verdict(r.ok)} |`);
  md.push('', '## Setup', '');
  md.push(
    `- Versions: a ${CLIP_SECONDS} s 320×180 ${CLIP_FPS} fps H.264 clip (ffmpeg testsrc2, libx264 ultrafast), uploaded as four assets with one tus creation-with-upload request each ` +
      '(one for post, one with plain comments and one with drawings for list, one for live) and waited on until `ready` before anything was measured. ' +
      `Every client has its own API token (\`POST /api/v1/account/tokens\`) and its own keep-alive connection. Before each load every client makes one untimed ` +
      '`GET /api/v1/versions/{id}`: its connection is open and its token\'s last-use write (at most once a minute) is done before the timing starts.',
  );
  if (po) {
    md.push(
      `- post: ${POST_CLIENTS} clients at once, each sending ${POST_EACH} requests one after another: first \`GET /api/v1/versions/{id}\` (the baseline), then ` +
        '`POST /api/v1/versions/{id}/comments {"body", "frame"}` (frames spread over the clip). Afterwards every thread of the version is listed ' +
        '(`limit=200`, following `next_cursor`) and each acknowledged (201) id is looked for. The server-side row is the `ms` of the server\'s own ' +
        'request log lines for those POSTs (time inside the server, whole milliseconds).',
    );
  }
  if (li) {
    md.push(
      `- list: ${LIST_COMMENTS} comments seeded through the API by ${SEED_CLIENTS} clients at once (random frames, seeded PRNG), and ${LIST_DRAWINGS} with a drawing ` +
        '(a 40-point freehand stroke and an arrow) on another version. The whole list was walked once with the default page size (50) to collect every cursor. ' +
        `Then ${LIST_CLIENTS} clients, each requesting one after another for ${LIST_SECONDS} s: \`GET /api/v1/versions/{id}\` (baseline); the first page ` +
        '(`GET /api/v1/versions/{id}/comments`, default limit 50); a uniformly random later page (`?cursor=`, split afterwards into the shallowest and the ' +
        `deepest quarter of pages); the first page of the drawings version. Between the last two, one client alone requests page 2 and the last page ` +
        `alternately, ${DEPTH_PROBES} times each, to show what a page's depth costs without queueing.`,
    );
  }
  if (lv) {
    md.push(
      `- live: first ${LIVE_COMMENTS} POSTs one at a time with no stream open (baseline). Then ${LIVE_CLIENTS} clients, each with its own token and connection, open ` +
        '`GET /api/v1/events?asset={id}` (20 at a time); a warm-up comment is posted and awaited on every stream. Then ' +
        `${LIVE_COMMENTS} comments are posted one at a time, ${LIVE_GAP_MS} ms after each answer. For every (comment, stream) pair the latency is from just ` +
        'before the POST was written until that stream\'s `comment.created` event with `data.payload.id` equal to the comment\'s id was parsed. ' +
        'Stragglers were awaited up to 10 s after the last POST; what did not arrive by then counts as undelivered.' +
        (lv.idle
          ? ` Then the streams stay open, quiet, for ${lv.idle.seconds} s, with one comment every ${IDLE_PROBE_EVERY_S} s (the same delivery measure), ` +
            'and the server\'s CPU time is read every second: open streams re-check their credential every few seconds, and a token\'s last use is ' +
            'written at most once a minute, so this covers a stream\'s first minute.'
          : ''),
    );
  }
  md.push('', '## Noise', '');
  md.push(
    `The machine has ${m.nproc} CPUs, shared by the server, the benchmark's clients (one Node process) and whatever else ran (load averages above). ` +
      'The clients\' own CPU time is in the table: when it is close to the wall time of a load, the client, not the server, limits the rate and adds to the latency. ' +
      'Each measure is one load of many requests, so its percentiles are stable within the run; between runs p99 and max move most.',
    '',
  );
  writeFileSync(RESULTS, md.join('\n'));
  log(`\nwrote ${RESULTS}`);
}

// ---- main --------------------------------------------------------------------------------------
const servers = new Set();
if (!existsSync(BIN)) {
  console.error(`${BIN} is missing: run \`make build\` (or set FRAMEPROOF_BIN)`);
  process.exit(2);
}
const work = mkdtempSync(join(resolve(setting('BENCH_DIR')), 'fp-review-'));
const results = { started: new Date(), load: { start: load() } };
const m = machine();
log(`Frameproof review-core benchmark — ${m.nproc} CPUs (${m.cpu}), ${m.git}, load ${results.load.start}; work dir ${work}`);
if (m.stale) log(`  warning: ${m.stale} is newer than ${BIN}; \`make build\` to benchmark the current code`);
let code = 0;
try {
  const srv = await startServer(join(work, 'data'));
  log(`  server ${srv.url} (pid ${srv.pid}); set-up redeemed`);
  const project = await api(srv.owner, 'POST', '/api/v1/projects', { workspace_id: srv.workspace, name: 'Review bench' }, { expect: 201 });
  srv.folder = project.root_folder_id;
  const clip = join(work, 'clip.mp4');
  makeClip(clip);
  const names = ['post', 'list', 'drawings', 'live'];
  const vids = [];
  for (const n of names) vids.push(await uploadClip(srv, clip, `${n}.mp4`));
  const versions = {};
  for (const [i, n] of names.entries()) versions[n] = await waitReady(srv, vids[i]);
  log(`  ${names.length} versions ready (${versions.post.frame_count} frames each, ${statSync(clip).size} bytes)`);

  const writers = await makeTokens(srv, Math.max(POST_CLIENTS, LIST_CLIENTS, SEED_CLIENTS), 'bench client');
  const listeners = SECTIONS.has('live') ? await makeTokens(srv, LIVE_CLIENTS, 'bench listener') : [];
  log(`  ${writers.length + listeners.length} API tokens made`);

  const po = SECTIONS.has('post') ? await postSection(srv, versions.post, writers.slice(0, POST_CLIENTS)) : null;
  const li = SECTIONS.has('list')
    ? await listSection(srv, versions.list, versions.drawings, writers.slice(0, SEED_CLIENTS), writers.slice(0, LIST_CLIENTS))
    : null;
  const lv = SECTIONS.has('live') ? await liveSection(srv, versions.live, listeners, srv.owner) : null;
  report(m, po, li, lv, srv);
} catch (e) {
  console.error(`\nbenchmark failed: ${e?.stack ?? e}`);
  code = 1;
} finally {
  for (const srv of [...servers]) {
    if (srv.warnCount) console.error(`server log: ${srv.warnCount} warnings/errors, e.g.:\n${srv.warnings.slice(0, 5).join('\n')}`);
    await stopServer(srv);
  }
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
