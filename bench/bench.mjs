#!/usr/bin/env node
// Frameproof benchmarks (not part of `make test`; see bench/README.md). One run prints, each
// against a baseline measured in the same invocation:
//   1. tus upload throughput of a 2 GiB file vs `cp` + `sync` of it on the same disk, and the
//      server's peak RSS during the upload;
//   2. ingest wall time of a 60 s 1080p H.264 clip vs running the same ffmpeg/ffprobe commands
//      directly, one after another;
//   3. upload-complete → first playable rung for a 15 s 1080p ProRes clip.
// Medians are reported (the machine is noisy) and written to bench/RESULTS.md.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const tusModule = await import(pathToFileURL(createRequire(join(root, 'web/package.json')).resolve('tus-js-client')).href);
const Upload = tusModule.Upload ?? tusModule.default.Upload;

// ---- settings (environment overrides; the defaults are what the issue asks for) -------------
const DEFAULTS = {
  BENCH_SECTIONS: 'upload,ingest,prores',
  BENCH_UPLOAD_MIB: '2048',
  BENCH_UPLOAD_RUNS: '3',
  BENCH_CHUNK_MIB: '64',
  BENCH_INGEST_RUNS: '3',
  BENCH_CLIP_SECONDS: '60',
  BENCH_PRORES_SECONDS: '15',
  BENCH_PRORES_RUNS: '3',
  BENCH_DIR: os.tmpdir(),
  BENCH_RESULTS: join(here, 'RESULTS.md'),
  BENCH_SERVER_LOG: '', // a file to append every server log line to (for diagnosis)
  FRAMEPROOF_BIN: join(root, 'target/release/frameproof'),
};
const setting = (k) => process.env[k] ?? DEFAULTS[k];
const overrides = Object.keys(DEFAULTS).filter((k) => process.env[k] !== undefined && process.env[k] !== DEFAULTS[k]);
const SECTIONS = new Set(setting('BENCH_SECTIONS').split(',').map((s) => s.trim()));
const MiB = 1024 * 1024;
const UPLOAD_BYTES = Number(setting('BENCH_UPLOAD_MIB')) * MiB;
const UPLOAD_RUNS = Number(setting('BENCH_UPLOAD_RUNS'));
const CHUNK = Number(setting('BENCH_CHUNK_MIB')) * MiB; // 0: the whole file in one PATCH
const INGEST_RUNS = Number(setting('BENCH_INGEST_RUNS'));
const CLIP_SECONDS = Number(setting('BENCH_CLIP_SECONDS'));
const PRORES_SECONDS = Number(setting('BENCH_PRORES_SECONDS'));
const PRORES_RUNS = Number(setting('BENCH_PRORES_RUNS'));
const BIN = resolve(setting('FRAMEPROOF_BIN'));
const RESULTS = resolve(setting('BENCH_RESULTS'));
const SERVER_LOG = setting('BENCH_SERVER_LOG');
const GOALS = { uploadRatio: 0.6, rssBytes: 80e6, ingestRatio: 1.1 };
const EMAIL = 'bench@example.com';
const PASSWORD = 'a long benchmark passphrase';

// ---- small helpers -----------------------------------------------------------------------------
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const log = (...a) => console.log(...a);

function median(xs) {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const secs = (ms) => f1(ms / 1000);
const list = (xs, fmt) => xs.map(fmt).join(', ');
const verdict = (ok) => (ok === undefined ? '' : ok ? 'MET' : 'MISSED');

/** Runs a command to completion; throws with its stderr on failure. */
function run(cmd, args, { input, env } = {}) {
  const r = spawnSync(cmd, args, { input, env, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Runs a command asynchronously with stdout discarded; resolves its wall time in ms. */
function timed(cmd, args) {
  return new Promise((resolvePromise, reject) => {
    const t0 = now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(now() - t0);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err}`));
    });
  });
}

function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FRAMEPROOF') || k === 'RUST_LOG') delete env[k];
  return env;
}

function procStatus(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(t.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** CPU seconds of a process: its own (utime + stime) and its waited-for children's (cutime + cstime). */
function cpuOf(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').map(Number);
    return { self: (f[11] + f[12]) / CLK_TCK, children: (f[13] + f[14]) / CLK_TCK };
  } catch {
    return { self: NaN, children: NaN };
  }
}
const cpuAll = (pid) => {
  const c = cpuOf(pid);
  return c.self + c.children;
};

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

// ---- the server --------------------------------------------------------------------------------
const servers = new Set(); // started and not yet stopped: stopped on the way out, whatever happens

function admin(args, input = '') {
  return run(BIN, ['admin', ...args], { input, env: cleanEnv() }).trim();
}

async function api(srv, method, path, body) {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${srv.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Starts `frameproof serve` on a fresh data dir with one media job at a time, provisions a
 * user, a token and a project. Collects the ffmpeg/ffprobe command lines the server logs
 * (debug level of frameproof_media::process) so the baseline can run exactly the same ones.
 */
async function startServer(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  admin(['create-user', '--data-dir', dataDir, '--email', EMAIL, '--password-stdin', '--workspace', 'Bench'], `${PASSWORD}\n`);
  const token = admin(['create-token', '--data-dir', dataDir, '--email', EMAIL]);
  const env = {
    ...cleanEnv(),
    FRAMEPROOF__MEDIA__CONCURRENCY: '1',
    RUST_LOG: 'info,sqlx=warn,frameproof_media::process=debug',
  };
  const child = spawn(BIN, ['--log-format', 'json', 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const srv = { child, pid: child.pid, dataDir, token, url: null, commands: [], jobsDone: [], tail: [] };
  let partial = '';
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${srv.tail.join('\n')}`)), 30000);
    child.stderr.on('data', (d) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop();
      if (SERVER_LOG && lines.length) appendFileSync(SERVER_LOG, `${lines.join('\n')}\n`);
      for (const line of lines) {
        srv.tail.push(line);
        if (srv.tail.length > 200) srv.tail.shift();
        const l = line.match(/listening on (http:\/\/[0-9.:]+)/);
        if (l && !srv.url) {
          srv.url = l[1];
          clearTimeout(timer);
          resolvePromise(l[1]);
        }
        if (line.includes('"running"') || line.includes('"job done"')) {
          try {
            const e = JSON.parse(line);
            if (e.message === 'running' && typeof e.args === 'string') {
              srv.commands.push({ program: e.program, args: JSON.parse(e.args), ts: Date.parse(e.timestamp) });
            } else if (e.message === 'job done') {
              srv.jobsDone.push(Date.parse(e.timestamp));
            }
          } catch {
            // not a line we understand; the baseline falls back to its own reading of the code
          }
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!srv.url) reject(new Error(`the server exited (${code}):\n${srv.tail.join('\n')}`));
    });
  });
  srv.url = url;
  servers.add(srv);
  const ws = await api(srv, 'GET', '/api/v1/workspaces');
  const project = await api(srv, 'POST', '/api/v1/projects', { workspace_id: ws.items[0].id, name: 'Bench' });
  srv.folder = project.root_folder_id;
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

/** Uploads `file` with tus-js-client; resolves the version id, the start and the time the last PATCH was answered. */
function tusUpload(srv, file, filename, filetype) {
  return new Promise((resolvePromise, reject) => {
    let versionId = null;
    let doneAt = null;
    let doneEpoch = null;
    const t0 = now();
    const upload = new Upload(createReadStream(file), {
      endpoint: `${srv.url}/api/v1/uploads`,
      uploadSize: statSync(file).size,
      chunkSize: CHUNK > 0 ? CHUNK : Infinity,
      retryDelays: null, // a retry would hide a failure inside the timing
      storeFingerprintForResuming: false,
      headers: { authorization: `Bearer ${srv.token}` },
      metadata: { filename, filetype, folder_id: srv.folder },
      onAfterResponse: (_req, res) => {
        const v = res.getHeader('Frameproof-Version-Id');
        if (v && !versionId) {
          versionId = v;
          doneAt = now();
          doneEpoch = Date.now();
        }
      },
      onError: reject,
      onSuccess: () => {
        if (!versionId) reject(new Error('the last PATCH did not name the version (Frameproof-Version-Id)'));
        else resolvePromise({ versionId, t0, doneAt, doneEpoch });
      },
    });
    upload.start();
  });
}

/**
 * Uploads `file` over the same tus protocol with curl, a client that costs little CPU: the
 * creation POST (fetch), then the whole file in one PATCH (`curl -T`, which reads the file
 * itself). Resolves like tusUpload, plus curl's CPU seconds.
 */
async function curlUpload(srv, file, filename, filetype) {
  const size = statSync(file).size;
  const b64 = (x) => Buffer.from(x).toString('base64');
  const t0 = now();
  const res = await fetch(`${srv.url}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${srv.token}`,
      'tus-resumable': '1.0.0',
      'upload-length': String(size),
      'upload-metadata': `filename ${b64(filename)},filetype ${b64(filetype)},folder_id ${b64(srv.folder)}`,
    },
  });
  const location = res.headers.get('location');
  if (res.status !== 201 || !location) throw new Error(`tus creation: ${res.status} ${await res.text()}`);
  const cpu0 = cpuOf(process.pid).children;
  const out = await new Promise((resolvePromise, reject) => {
    const child = spawn('curl', [
      ...['-sS', '-o', '/dev/null', '-D', '-', '-X', 'PATCH', '--fail-with-body'],
      ...['-H', 'Expect:', '-H', 'tus-resumable: 1.0.0', '-H', 'upload-offset: 0'],
      ...['-H', 'content-type: application/offset+octet-stream', '-H', `authorization: Bearer ${srv.token}`],
      ...['-T', file, new URL(location, srv.url).href],
    ]);
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`curl PATCH failed (${code}): ${text}`))));
  });
  const doneAt = now();
  const versionId = out.match(/^frameproof-version-id:\s*(\S+)/im)?.[1];
  if (!versionId) throw new Error(`the PATCH did not name the version (Frameproof-Version-Id): ${out}`);
  return { versionId, t0, doneAt, doneEpoch: Date.now(), cpu: cpuOf(process.pid).children - cpu0 };
}

/** Polls the version every 100 ms until it is ready or failed; the first time each state was seen. */
async function waitForVersion(srv, versionId, { timeoutMs = 30 * 60 * 1000, allowFailed = false } = {}) {
  const seen = {};
  const t0 = now();
  for (;;) {
    const v = await api(srv, 'GET', `/api/v1/versions/${versionId}`);
    const t = now();
    seen[v.processing_state] ??= t;
    if (v.processing_state === 'ready') {
      seen.playable ??= t; // passed through between two polls
      return { seen, version: v };
    }
    if (v.processing_state === 'failed') {
      if (allowFailed) return { seen, version: v };
      throw new Error(`ingest failed: ${v.failure_reason}\n${srv.tail.slice(-30).join('\n')}`);
    }
    if (t - t0 > timeoutMs) throw new Error(`ingest did not finish within ${timeoutMs / 1000} s (state ${v.processing_state})`);
    await sleep(100);
  }
}

// ---- the baseline: the same commands, run directly -------------------------------------------
// Our own reading of crates/media (probe.rs, proxy.rs, stills.rs): the proxy arguments for each
// rung. Used to cross-check the commands the server logged, and as the baseline's command list
// when the server's log does not carry them.

const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
function parseRate(s) {
  if (!s) return null;
  const [n, d = '1'] = s.trim().split('/');
  const num = Number(n);
  const den = Number(d);
  if (!Number.isInteger(num) || !Number.isInteger(den) || num === 0 || den === 0) return null;
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}
const rateStr = (r) => `${r.num}/${r.den}`;
const nominal = (r) => Math.ceil(r.num / r.den);
function secondsUs(s) {
  if (s === undefined || s === null) return null;
  const neg = s.startsWith('-');
  const [w, f = ''] = (neg ? s.slice(1) : s).split('.');
  const us = Number(w || '0') * 1e6 + Number((f + '000000').slice(0, 6));
  return neg ? -us : us;
}
const sixDecimals = (us) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;

/** What the proxy arguments depend on, from `ffprobe` JSON (the subset our generated clips need). */
function videoInfo(probeJson) {
  const j = JSON.parse(probeJson);
  const v = j.streams.find(
    (s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1 && s.codec_name && s.width > 0 && s.height > 0,
  );
  if (!v) throw new Error('no video stream');
  const sar = v.sample_aspect_ratio;
  if (sar && !['1:1', '0:1', 'N/A'].includes(sar)) throw new Error(`bench replication does not cover SAR ${sar}`);
  if ((v.side_data_list ?? []).some((d) => d.rotation) || v.tags?.rotate) throw new Error('bench replication does not cover rotation');
  const r = parseRate(v.r_frame_rate);
  const avg = parseRate(v.avg_frame_rate);
  const vfr = r && avg ? Math.abs((r.num / r.den - avg.num / avg.den) / (r.num / r.den)) > 0.0005 : !r && !!avg;
  if (vfr || ['smpte2084', 'arib-std-b67'].includes(v.color_transfer)) throw new Error('bench replication does not cover VFR or HDR');
  const interlaced = ['tt', 'bb', 'tb', 'bt'].includes(v.field_order);
  const startUs = secondsUs(v.start_time) ?? 0;
  const fileStart = secondsUs(j.format.start_time) ?? startUs;
  const hasAudio = j.streams.some((s) => s.codec_type === 'audio' && Number(s.sample_rate) > 0 && s.nb_read_packets !== '0');
  return {
    index: v.index,
    width: v.width,
    height: v.height,
    rate: r,
    interlaced,
    startsAfterUs: Math.max(0, startUs - fileStart),
    frames: Number(v.nb_read_packets ?? v.nb_frames),
    hasAudio,
  };
}

const evenWithin = (x, limit) => {
  const nearest = Math.ceil(x / 2) * 2;
  return Math.max(nearest > limit ? limit & ~1 : nearest, 2);
};
function fit(w, h, bw, bh) {
  let fw;
  let fh;
  if (w <= bw && h <= bh) [fw, fh] = [w, h];
  else if (w * bh >= h * bw) [fw, fh] = [bw, Math.floor((h * bw + Math.floor(w / 2)) / w)];
  else [fw, fh] = [Math.floor((w * bh + Math.floor(h / 2)) / h), bh];
  return [evenWithin(fw, w), evenWithin(fh, h)];
}
function rungs(info) {
  const portrait = info.height > info.width;
  const out = [];
  for (const [name, long, short, kbps] of [
    ['540p', 960, 540, 2500],
    ['1080p', 1920, 1080, 6000],
  ]) {
    const [bw, bh] = portrait ? [short, long] : [long, short];
    const [w, h] = fit(info.width, info.height, bw, bh);
    if (out.some((r) => r.width === w && r.height === h)) continue;
    const scaled = Math.ceil((kbps * w * h) / (bw * bh));
    out.push({ name, width: w, height: h, kbps: Math.max(scaled, 300) });
  }
  return out;
}

/** proxy_args (crates/media/src/proxy.rs) for a constant-rate SDR source. */
function proxyArgs(input, output, info, rung) {
  const gop = String(2 * nominal(info.rate));
  const args = ['-y', '-loglevel', 'warning', '-protocol_whitelist', 'file,pipe', '-i', `file:${input}`];
  args.push('-map', `0:${info.index}`);
  if (info.hasAudio) {
    args.push('-map', '0:a:0?', '-c:a', 'aac', '-b:a', '128k', '-ac', '2');
    if (info.startsAfterUs > 0) args.push('-af', `atrim=start=${sixDecimals(info.startsAfterUs)},asetpts=PTS-STARTPTS`);
  } else {
    args.push('-an');
  }
  const filters = ['setpts=PTS-STARTPTS'];
  if (info.interlaced) filters.push('bwdif=mode=send_frame:parity=auto:deint=all');
  filters.push(`scale=${rung.width}:${rung.height}:flags=lanczos`, 'setsar=1', 'format=yuv420p');
  args.push(
    ...['-map_metadata', '-1', '-map_chapters', '-1', '-sn', '-dn', '-c:v', 'libx264', '-preset', 'veryfast'],
    ...['-profile:v', 'high', '-pix_fmt', 'yuv420p', '-crf', '23'],
    ...['-maxrate', `${rung.kbps}k`, '-bufsize', `${2 * rung.kbps}k`, '-vf', filters.join(',')],
    ...['-fps_mode', 'cfr', '-r', rateStr(info.rate), '-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
    ...['-movflags', '+faststart', '-f', 'mp4', `file:${output}`],
  );
  return args;
}

const probeArgs = (path) =>
  ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-count_packets'].concat([
    '-protocol_whitelist',
    'file,pipe',
    `file:${path}`,
  ]);

/** Our reading of ingest: probe, each rung's transcode + verify, poster, waveform (fallback only). */
function ingestCommandsFromCode(original, scratch, info) {
  const cmds = [{ program: 'ffprobe', args: probeArgs(original) }];
  for (const rung of rungs(info)) {
    const out = join(scratch, `proxy_${rung.name}.mp4`);
    cmds.push({ program: 'ffmpeg', args: proxyArgs(original, out, info, rung) });
    cmds.push({ program: 'ffprobe', args: probeArgs(out) });
  }
  const n = Math.floor(info.frames / 10);
  const seekUs = n === 0 ? 0 : Math.floor(((2 * n - 1) * info.rate.den * 1e6) / (2 * info.rate.num));
  cmds.push({
    program: 'ffmpeg',
    args: ['-y', '-loglevel', 'error', '-ss', sixDecimals(seekUs), '-protocol_whitelist', 'file,pipe']
      .concat(['-i', `file:${join(scratch, 'first_rung.mp4')}`, '-map', '0:v:0', '-frames:v', '1'])
      .concat(['-vf', "scale=w='min(iw,640)':h=-2:flags=lanczos", '-q:v', '3', '-update', '1'])
      .concat(['-f', 'image2', '-c:v', 'mjpeg', `file:${join(scratch, 'poster.jpg')}`]),
  });
  if (info.hasAudio) {
    cmds.push({
      program: 'ffmpeg',
      args: ['-loglevel', 'error', '-protocol_whitelist', 'file,pipe', '-i', `file:${original}`]
        .concat(['-map', '0:a:0', '-ac', '1', '-ar', '8000', '-f', 's16le', '-c:a', 'pcm_s16le', 'pipe:1']),
    });
  }
  return cmds;
}

/** The commands the server ran for one version (its original and its scratch dir in the paths). */
function serverCommands(srv, versionId) {
  return srv.commands.filter((c) => c.args.some((a) => a.includes(`originals/${versionId}`) || a.includes(`ingest-${versionId}/`)));
}

const isTranscode = (c) => c.program === 'ffmpeg' && c.args.includes('libx264');
/** A short name for a command, for the breakdown. */
function stepName(c) {
  const files = c.args.filter((a) => a.startsWith('file:')).map((a) => a.slice(5));
  const last = files.at(-1) ?? '';
  const onOriginal = /originals\/[0-9a-f-]+$/.test(last);
  if (c.program === 'ffprobe') return onOriginal ? 'ffprobe the original' : `ffprobe (verify) ${basename(last)}`;
  if (isTranscode(c)) return `ffmpeg transcode → ${basename(last)}`;
  if (c.args.includes('-ss')) return `ffmpeg still (poster) → ${basename(last)}`;
  if (c.args.some((a) => a.includes('tile='))) return `ffmpeg sprite sheets → ${basename(last)}`;
  if (c.args.includes('pipe:1')) return 'ffmpeg waveform (PCM to a pipe)';
  return `${c.program} → ${basename(last)}`;
}

/**
 * How long the server spent per command, from its log: from a command's start to the next
 * one's (so the server's own work between commands is charged to the one before it), the last
 * to the job's end; and from upload-complete to the first command (SHA-256, job pickup).
 */
function serverSteps(srv, cmds, doneEpoch) {
  if (cmds.length === 0 || !Number.isFinite(cmds[0].ts)) return null;
  const lastTs = cmds.at(-1).ts;
  const end = srv.jobsDone.find((t) => t >= lastTs) ?? NaN;
  return {
    beforeFirst: cmds[0].ts - doneEpoch,
    steps: cmds.map((c, i) => (i + 1 < cmds.length ? cmds[i + 1].ts : end) - c.ts),
  };
}

/** Index of the last command before the version can be playable: the verify probe of the first proxy. */
function playableCut(cmds) {
  const first = cmds.findIndex(isTranscode);
  if (first < 0) return cmds.length - 1;
  const verify = cmds.findIndex((c, i) => i > first && c.program === 'ffprobe');
  return verify < 0 ? first : verify;
}

/**
 * Runs `cmds` (paths as the server saw them) directly, one after another, with the original
 * replaced by `source` and the server's scratch dir by `bareDir`. Each gets the flags the
 * server's process door adds (-hide_banner; -nostdin; -progress pipe:1 -nostats for
 * transcodes). Returns the total wall time and the time up to the playable cut.
 */
async function runBare(cmds, versionId, source, bareDir, { upTo = cmds.length - 1 } = {}) {
  rmSync(bareDir, { recursive: true, force: true });
  mkdirSync(bareDir, { recursive: true });
  const rewrite = (a) => {
    if (!a.startsWith('file:')) return a;
    const p = a.slice(5);
    if (p.endsWith(`originals/${versionId}`)) return `file:${source}`;
    const i = p.indexOf(`ingest-${versionId}/`);
    if (i >= 0) return `file:${join(bareDir, p.slice(i + `ingest-${versionId}/`.length))}`;
    throw new Error(`unexpected path in a server command: ${a}`);
  };
  const firstOut = cmds.find(isTranscode)?.args.at(-1);
  let total = 0;
  let playable = NaN;
  const steps = [];
  const cpu0 = cpuOf(process.pid).children;
  for (const [i, c] of cmds.entries()) {
    if (i > upTo) break;
    const args = c.args.map(rewrite);
    // The server copies the first rung to first_rung.mp4 (not an ffmpeg command; untimed here).
    const inputIdx = args.indexOf('-i');
    const input = inputIdx >= 0 ? args[inputIdx + 1].slice(5) : null;
    if (input && basename(input) === 'first_rung.mp4' && !existsSync(input) && firstOut) {
      copyFileSync(rewrite(firstOut).slice(5), input);
    }
    const full =
      c.program === 'ffmpeg'
        ? ['-hide_banner', '-nostdin', ...(isTranscode(c) ? ['-progress', 'pipe:1', '-nostats'] : []), ...args]
        : ['-hide_banner', ...args];
    const ms = await timed(c.program, full);
    steps.push(ms);
    total += ms;
    if (i === playableCut(cmds)) playable = total;
  }
  return { totalMs: total, playableMs: playable, steps, cpuS: cpuOf(process.pid).children - cpu0 };
}

/** Compares the server's transcode commands with our reading of proxy_args (paths normalised). */
function crossCheck(serverCmds, versionId, info) {
  const norm = (args) =>
    args.map((a) =>
      a
        .replace(/file:.*originals\/[0-9a-f-]+$/, 'file:ORIGINAL')
        .replace(/file:.*ingest-[0-9a-f-]+\//, 'file:SCRATCH/'),
    );
  const theirs = serverCmds.filter(isTranscode).map((c) => norm(c.args).join(' '));
  const ours = rungs(info).map((r) => norm(proxyArgs(`/x/originals/${versionId}`, `/x/ingest-${versionId}/proxy_${r.name}.mp4`, info, r)).join(' '));
  const same = theirs.length === ours.length && theirs.every((t, i) => t === ours[i]);
  return { same, theirs, ours };
}

// ---- sections ----------------------------------------------------------------------------------
const work = mkdtempSync(join(resolve(setting('BENCH_DIR')), 'fp-bench-'));
const results = { started: new Date(), load: { start: load() } };

/** One upload of `src` through a fresh server with `uploader`, its RSS sampled every 100 ms. */
async function serverUpload(i, tag, src, uploader) {
  const srv = await startServer(join(work, `upload-data-${tag}-${i}`));
  const idleRss = procStatus(srv.pid).rss;
  let peak = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    const s = procStatus(srv.pid);
    if (Number.isFinite(s.rss)) {
      peak = Math.max(peak, s.rss);
      samples++;
    }
  }, 100);
  let up;
  const serverCpu0 = cpuOf(srv.pid).self;
  const clientCpu0 = process.cpuUsage();
  try {
    up = await uploader(srv, src, 'camera-card.bin', 'application/octet-stream');
  } finally {
    clearInterval(sampler);
  }
  const serverCpu = cpuOf(srv.pid).self - serverCpu0;
  const ownCpu = process.cpuUsage(clientCpu0);
  const atDone = procStatus(srv.pid);
  peak = Math.max(peak, atDone.rss);
  // Ingest runs next (SHA-256 of the whole file, then ffprobe refuses it): wait it out so it
  // does not overlap the next run, and note how long it took.
  const done = await waitForVersion(srv, up.versionId, { allowFailed: true, timeoutMs: 10 * 60 * 1000 });
  const out = {
    ms: up.doneAt - up.t0,
    serverCpu,
    // tus-js-client runs in this process; curl is a child process.
    clientCpu: up.cpu ?? (ownCpu.user + ownCpu.system) / 1e6,
    hwm: atDone.hwm,
    peak,
    samples,
    idleRss,
    ingestMs: (done.seen.failed ?? done.seen.ready) - up.doneAt,
    outcome: done.version.processing_state,
  };
  await stopServer(srv);
  rmSync(srv.dataDir, { recursive: true, force: true });
  // What the upload left dirty is written out before the next measure starts.
  run('sync', []);
  return out;
}

async function uploadSection() {
  log(
    `\n== upload: ${UPLOAD_BYTES / MiB} MiB through tus (tus-js-client, ${CHUNK ? `${CHUNK / MiB} MiB chunks` : 'one PATCH'}; ` +
      `curl, one PATCH) vs cp + sync, ${UPLOAD_RUNS} runs`,
  );
  const src = join(work, 'upload-source.bin');
  log(`  generating ${src} from /dev/urandom …`);
  run('bash', ['-c', `head -c ${UPLOAD_BYTES} /dev/urandom > '${src}'`]);
  // The source's own writeback must not slow the first copy down.
  run('sync', []);
  const r = { cpMs: [], cpCpu: [], tus: [], curl: [] };
  for (let i = 0; i < UPLOAD_RUNS; i++) {
    // Baseline: a plain copy on the same disk, made durable (the server fsyncs what it writes).
    const copy = join(work, 'upload-copy.bin');
    const cpCpu0 = cpuOf(process.pid).children;
    const t0 = now();
    run('cp', [src, copy]);
    run('sync', [copy]);
    r.cpMs.push(now() - t0);
    r.cpCpu.push(cpuOf(process.pid).children - cpCpu0);
    rmSync(copy);
    run('sync', []);
    r.tus.push(await serverUpload(i, 'tus', src, tusUpload));
    r.curl.push(await serverUpload(i, 'curl', src, curlUpload));
    const mibs = (ms) => UPLOAD_BYTES / MiB / (ms / 1000);
    const line = (u) =>
      `${f1(mibs(u.ms))} MiB/s, RSS peak ${f1(u.peak / MiB)} MiB sampled (${u.samples}) / VmHWM ${f1(u.hwm / MiB)} MiB, ` +
      `CPU s server ${f2(u.serverCpu)} client ${f2(u.clientCpu)}, ingest ${secs(u.ingestMs)} s (${u.outcome})`;
    log(`  run ${i + 1}: cp+sync ${f1(mibs(r.cpMs[i]))} MiB/s (CPU ${f2(r.cpCpu[i])} s)`);
    log(`         tus-js-client: ${line(r.tus[i])}`);
    log(`         curl:          ${line(r.curl[i])}`);
  }
  rmSync(src);
  const mibs = (ms) => UPLOAD_BYTES / MiB / (ms / 1000);
  r.cpMiBs = r.cpMs.map(mibs);
  r.medCp = median(r.cpMiBs);
  for (const k of ['tus', 'curl']) {
    const runs = r[k];
    r[k] = {
      runs,
      miBs: runs.map((u) => mibs(u.ms)),
      ratios: runs.map((u, i) => r.cpMs[i] / u.ms),
    };
    r[k].med = median(r[k].miBs);
    r[k].ratio = r[k].med / r.medCp;
  }
  const all = [...r.tus.runs, ...r.curl.runs];
  r.medHwm = median(all.map((u) => u.hwm));
  r.maxHwm = Math.max(...all.map((u) => u.hwm));
  r.load = load();
  return r;
}


async function makeClip(path, seconds, codecArgs) {
  if (existsSync(path)) return;
  run('ffmpeg', [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25', '-f', 'lavfi', '-i', 'sine'],
    ...['-t', String(seconds), ...codecArgs, path],
  ]);
}

let ingestServer = null;
async function ingestServerOnce() {
  ingestServer ??= await startServer(join(work, 'ingest-data'));
  return ingestServer;
}

/** One server ingest, then the same commands directly; `bareUpTo` limits the baseline to first-rung. */
async function ingestPair(srv, clip, filename, filetype, bareDir, { playableOnly = false } = {}) {
  const up = await tusUpload(srv, clip, filename, filetype);
  const cpu0 = cpuAll(srv.pid);
  const done = await waitForVersion(srv, up.versionId);
  const server = {
    playableMs: done.seen.playable - up.doneAt,
    readyMs: done.seen.ready - up.doneAt,
    uploadMs: up.doneAt - up.t0,
    cpuS: cpuAll(srv.pid) - cpu0,
  };
  let cmds = serverCommands(srv, up.versionId);
  server.breakdown = serverSteps(srv, cmds, up.doneEpoch);
  let source = 'server log';
  const info = videoInfo(run('ffprobe', ['-hide_banner', ...probeArgs(clip)]));
  if (cmds.length === 0) {
    source = 'bench reading of crates/media (the server log carried no commands)';
    cmds = ingestCommandsFromCode(`/x/originals/${up.versionId}`, `/x/ingest-${up.versionId}`, info);
  }
  const check = crossCheck(cmds, up.versionId, info);
  const bare = await runBare(cmds, up.versionId, clip, bareDir, playableOnly ? { upTo: playableCut(cmds) } : {});
  return { server, bare, cmds, source, check, version: done.version };
}

/** Median time per command across runs, server (from its log) vs bare. */
function stepTable(runs) {
  const cmds = runs[0].cmds;
  const same = runs.every((p) => p.cmds.length === cmds.length && p.server.breakdown);
  if (!same) return null;
  const rows = cmds.map((c, i) => ({
    name: stepName(c),
    server: median(runs.map((p) => p.server.breakdown.steps[i])),
    bare: median(runs.map((p) => p.bare.steps[i])),
  }));
  return { beforeFirst: median(runs.map((p) => p.server.breakdown.beforeFirst)), rows };
}

async function ingestSection() {
  log(`\n== ingest: ${CLIP_SECONDS} s 1920×1080 25 fps H.264 + AAC, server vs the same commands run directly, ${INGEST_RUNS} runs`);
  const clip = join(work, `clip-${CLIP_SECONDS}s-1080p.mp4`);
  log('  generating the clip …');
  await makeClip(clip, CLIP_SECONDS, ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac']);
  const srv = await ingestServerOnce();
  const r = { runs: [], clipBytes: statSync(clip).size };
  const t0 = now();
  run('sha256sum', [clip]);
  r.sha256Ms = now() - t0;
  for (let i = 0; i < INGEST_RUNS; i++) {
    const p = await ingestPair(srv, clip, 'clip.mp4', 'video/mp4', join(work, 'bare-ingest'));
    r.runs.push(p);
    log(
      `  run ${i + 1}: server playable ${secs(p.server.playableMs)} s, ready ${secs(p.server.readyMs)} s | ` +
        `bare first rung ${secs(p.bare.playableMs)} s, all ${secs(p.bare.totalMs)} s | ratio ${f2(p.server.readyMs / p.bare.totalMs)}× | ` +
        `CPU s server ${f1(p.server.cpuS)} vs bare ${f1(p.bare.cpuS)}`,
    );
  }
  const first = r.runs[0];
  r.commands = first.cmds.map((c) => `${c.program} ${c.args.join(' ')}`);
  r.source = first.source;
  r.check = first.check;
  r.medServerReady = median(r.runs.map((p) => p.server.readyMs));
  r.medServerPlayable = median(r.runs.map((p) => p.server.playableMs));
  r.medBare = median(r.runs.map((p) => p.bare.totalMs));
  r.medBarePlayable = median(r.runs.map((p) => p.bare.playableMs));
  r.ratio = r.medServerReady / r.medBare;
  r.playableRatio = r.medServerPlayable / r.medBarePlayable;
  r.pairRatios = r.runs.map((p) => p.server.readyMs / p.bare.totalMs);
  r.medServerCpu = median(r.runs.map((p) => p.server.cpuS));
  r.medBareCpu = median(r.runs.map((p) => p.bare.cpuS));
  r.cpuRatio = r.medServerCpu / r.medBareCpu;
  r.steps = stepTable(r.runs);
  r.load = load();
  if (!r.check.same) {
    log('  NOTE: the server\'s proxy commands differ from the bench\'s reading of proxy.rs (the baseline replays the server\'s own):');
    log(`    server: ${r.check.theirs.join('\n            ')}\n    bench:  ${r.check.ours.join('\n            ')}`);
  }
  return r;
}

async function proresSection() {
  log(`\n== ProRes: ${PRORES_SECONDS} s 1920×1080 25 fps ProRes 422 (profile 2) + PCM, upload-complete → first playable rung, ${PRORES_RUNS} runs`);
  const clip = join(work, `prores-${PRORES_SECONDS}s-1080p.mov`);
  log('  generating the clip …');
  await makeClip(clip, PRORES_SECONDS, ['-c:v', 'prores_ks', '-profile:v', '2', '-c:a', 'pcm_s16le']);
  const srv = await ingestServerOnce();
  const r = { runs: [], clipBytes: statSync(clip).size };
  for (let i = 0; i < PRORES_RUNS; i++) {
    const p = await ingestPair(srv, clip, 'prores.mov', 'video/quicktime', join(work, 'bare-prores'), { playableOnly: true });
    r.runs.push(p);
    log(
      `  run ${i + 1}: upload ${secs(p.server.uploadMs)} s; playable ${secs(p.server.playableMs)} s, ready ${secs(p.server.readyMs)} s after upload-complete | ` +
        `bare probe + first rung + verify ${secs(p.bare.playableMs)} s`,
    );
  }
  r.medPlayable = median(r.runs.map((p) => p.server.playableMs));
  r.medReady = median(r.runs.map((p) => p.server.readyMs));
  r.medBarePlayable = median(r.runs.map((p) => p.bare.playableMs));
  r.check = r.runs[0].check;
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
  const base = process.env.MAKELEVEL ? 'make bench' : 'node bench/bench.mjs';
  return env ? `${env} ${base}` : base;
}

function report(m, up, ing, pr) {
  const rows = [];
  const row = (what, value, runs, goal, ok) => rows.push({ what, value, runs, goal, ok });
  if (up) {
    row('cp + sync (baseline)', `${f1(up.medCp)} MiB/s`, list(up.cpMiBs, f1), '', undefined);
    const chunks = CHUNK ? `${CHUNK / MiB} MiB chunks` : 'one PATCH';
    for (const [k, label] of [['tus', `tus-js-client (${chunks})`], ['curl', 'curl (one PATCH)']]) {
      const u = up[k];
      row(`tus upload, ${label}`, `${f1(u.med)} MiB/s`, list(u.miBs, f1), '', undefined);
      row(`… / cp throughput`, `${f2(u.ratio)}×`, list(u.ratios, f2), `≥ ${GOALS.uploadRatio}×`, u.ratio >= GOALS.uploadRatio);
      row(`… server peak RSS (VmHWM at upload end)`, `${f1(median(u.runs.map((x) => x.hwm)) / 1e6)} MB`, list(u.runs, (x) => f1(x.hwm / 1e6)), `≤ ${GOALS.rssBytes / 1e6} MB`, Math.max(...u.runs.map((x) => x.hwm)) <= GOALS.rssBytes);
      row(`… server peak RSS (VmRSS sampled / 100 ms)`, `${f1(median(u.runs.map((x) => x.peak)) / 1e6)} MB`, list(u.runs, (x) => f1(x.peak / 1e6)), '', undefined);
      row(`… CPU s: server during the upload`, f2(median(u.runs.map((x) => x.serverCpu))), list(u.runs, (x) => f2(x.serverCpu)), '', undefined);
      row(`… CPU s: the client`, f2(median(u.runs.map((x) => x.clientCpu))), list(u.runs, (x) => f2(x.clientCpu)), '', undefined);
    }
    row('server idle RSS before upload', `${f1(median(up.tus.runs.map((x) => x.idleRss)) / 1e6)} MB`, list(up.tus.runs, (x) => f1(x.idleRss / 1e6)), '', undefined);
    row('CPU s: cp + sync', f2(median(up.cpCpu)), list(up.cpCpu, f2), '', undefined);
  }
  if (ing) {
    row('bare ffmpeg: same commands, sequential', `${secs(ing.medBare)} s`, list(ing.runs, (p) => secs(p.bare.totalMs)), '', undefined);
    row('server ingest: upload-complete → ready', `${secs(ing.medServerReady)} s`, list(ing.runs, (p) => secs(p.server.readyMs)), '', undefined);
    row('ingest / bare (wall)', `${f2(ing.ratio)}×`, list(ing.pairRatios, f2), `≤ ${GOALS.ingestRatio}×`, ing.ratio <= GOALS.ingestRatio);
    row('CPU s: server process + its ffmpeg children', f1(ing.medServerCpu), list(ing.runs, (p) => f1(p.server.cpuS)), '', undefined);
    row('CPU s: bare commands', f1(ing.medBareCpu), list(ing.runs, (p) => f1(p.bare.cpuS)), '', undefined);
    row('ingest / bare (CPU time)', `${f2(ing.cpuRatio)}×`, list(ing.runs, (p) => f2(p.server.cpuS / p.bare.cpuS)), '', undefined);
    row('bare: probe + first rung + verify', `${secs(ing.medBarePlayable)} s`, list(ing.runs, (p) => secs(p.bare.playableMs)), '', undefined);
    row('server: upload-complete → playable', `${secs(ing.medServerPlayable)} s`, list(ing.runs, (p) => secs(p.server.playableMs)), '', undefined);
    row('playable / bare first rung', `${f2(ing.playableRatio)}×`, list(ing.runs, (p) => f2(p.server.playableMs / p.bare.playableMs)), '', undefined);
  }
  if (pr) {
    row('ProRes: upload-complete → playable', `${secs(pr.medPlayable)} s`, list(pr.runs, (p) => secs(p.server.playableMs)), 'reported (no goal)', undefined);
    row('ProRes: bare probe + first rung + verify', `${secs(pr.medBarePlayable)} s`, list(pr.runs, (p) => secs(p.bare.playableMs)), '', undefined);
    row('ProRes: upload-complete → ready', `${secs(pr.medReady)} s`, list(pr.runs, (p) => secs(p.server.readyMs)), '', undefined);
  }

  // Console table.
  const w = Math.max(...rows.map((r) => r.what.length));
  const wv = Math.max(...rows.map((r) => r.value.length));
  const wr = Math.max(...rows.map((r) => r.runs.length));
  log('\n== summary (medians; every run in brackets)');
  for (const r of rows) {
    log(`  ${r.what.padEnd(w)}  ${r.value.padStart(wv)}  [${r.runs}]${' '.repeat(wr - r.runs.length)}  ${r.goal} ${verdict(r.ok)}`);
  }

  // RESULTS.md.
  const md = [];
  md.push('# Benchmark results', '');
  md.push(`Measured ${results.started.toISOString().replace('T', ' ').slice(0, 16)} UTC by \`bench/bench.mjs\` (what each number means: [README.md](README.md)).`, '');
  md.push('Command (from the repository root, after `make build`):', '', '```sh', command(), '```', '');
  md.push('## Machine', '');
  md.push(`- ${m.nproc} CPUs: ${m.cpu}`);
  md.push(`- Memory (\`free -g\`):`, '', '```', m.free, '```', '');
  md.push(`- Disk for the data dir and the baseline copies (\`df -hT\`): \`${m.df}\``);
  md.push(`- ${m.ffmpeg}; Node ${m.node}; tus-js-client from web/node_modules`);
  md.push(
    `- Binary \`${BIN.replace(`${root}/`, '')}\` built ${m.built} UTC; repository at run time: ${m.git}` +
      (m.stale ? ` (some sources changed after the build, e.g. \`${m.stale}\`)` : ' (no source under crates/ is newer than the binary)'),
  );
  md.push(`- Load average (1, 5, 15 min) at the start: ${results.load.start}` +
    [up && `; after the upload runs: ${up.load}`, ing && `; after the ingest runs: ${ing.load}`, pr && `; after the ProRes runs: ${pr.load}`].filter(Boolean).join(''));
  md.push('', '## Results (medians)', '');
  md.push('| measure | median | every run | goal | |', '| --- | --- | --- | --- | --- |');
  for (const r of rows) md.push(`| ${r.what} | ${r.value} | ${r.runs} | ${r.goal} | ${verdict(r.ok)} |`);
  md.push('', 'MiB/s = 2^20 bytes per second; MB = 10^6 bytes (the RSS goal is checked against the largest run, not only the median).', '');
  md.push('## Setup', '');
  if (up) {
    md.push(
      `- Upload: ${UPLOAD_BYTES / MiB} MiB of /dev/urandom (written out with \`sync\` before the first run), ${UPLOAD_RUNS} runs, each: \`cp\` + \`sync FILE\` to the same directory; ` +
        `then a fresh \`frameproof serve\` (\`FRAMEPROOF__MEDIA__CONCURRENCY=1\`) and a tus-js-client upload (${CHUNK ? `${CHUNK / MiB} MiB chunks` : 'one PATCH'}, running in the bench's own Node process); ` +
        'then another fresh server and the same tus upload by curl (the creation POST, then the whole file in one PATCH with `curl -T`, a client that costs little CPU). ' +
        'Each upload is timed from the creation POST until the last PATCH was answered (the server makes every PATCH durable before answering), and everything is `sync`ed between measures. ' +
        `RSS is the server process's VmRSS, sampled every 100 ms, and VmHWM read at upload end. ` +
        `The ingest of the non-media file that follows each upload (SHA-256 of the whole file, then ffprobe refuses it) took ` +
        `${list([...up.tus.runs, ...up.curl.runs], (u) => secs(u.ingestMs))} s and was waited out before the next measure.`,
    );
  }
  if (ing) {
    md.push(
      `- Ingest: a ${CLIP_SECONDS} s 1920×1080 25 fps clip (testsrc2, libx264 ultrafast, AAC sine; ${f1(ing.clipBytes / 1e6)} MB), ${INGEST_RUNS} runs, each: ` +
        'upload it, poll `GET /api/v1/versions/{id}` every 100 ms from the answer of the last PATCH until `playable` and `ready`, then run the same ' +
        `commands directly, sequentially, with the same flags the server adds. The commands come from the ${ing.source}; ` +
        `the server's proxy commands ${ing.check.same ? 'are identical to' : 'DIFFER from'} the bench's own reading of \`proxy_args\` in crates/media/src/proxy.rs. ` +
        `The server also computes the SHA-256 of the original first (not an ffmpeg command, so not in the baseline): \`sha256sum\` of this clip takes ${secs(ing.sha256Ms)} s.`,
    );
    if (ing.steps) {
      md.push('', '  Where the time goes (medians over the runs; server times from its log: a command\'s start to the next one\'s, so its own work between commands counts with the command before):', '');
      md.push('  | step | server s | bare s |', '  | --- | --- | --- |');
      md.push(`  | upload-complete → first command (SHA-256 of the original, job pickup) | ${secs(ing.steps.beforeFirst)} | – |`);
      for (const st of ing.steps.rows) md.push(`  | ${st.name} | ${secs(st.server)} | ${secs(st.bare)} |`);
    }
    md.push('', '  The baseline commands (first run; paths as the server saw them):', '', '```');
    for (const c of ing.commands) md.push(c);
    md.push('```');
  }
  if (pr) {
    md.push(
      '',
      `- ProRes: a ${PRORES_SECONDS} s 1920×1080 25 fps ProRes 422 clip (prores_ks profile 2, PCM audio; ${f1(pr.clipBytes / 1e6)} MB), ${PRORES_RUNS} runs on the same server: ` +
        'upload-complete → `playable` (the 540p rung made and verified), with the probe + first-rung transcode + verify run directly for comparison.',
    );
  }
  md.push('', '## Noise', '');
  md.push(
    `The machine has ${m.nproc} CPUs and was shared with other work while this ran (load averages above). ` +
      'Every run is listed next to its median; the spread between runs is the honest error bar. ' +
      'Server and baseline runs alternate, so slow periods hit both, but a ratio from a single pair can still be off by the noise.',
  );
  const spread = (xs) => (xs.length > 1 ? `${f1(((Math.max(...xs) - Math.min(...xs)) / median(xs)) * 100)} %` : 'n/a');
  if (up) md.push(`- Upload: spread (max − min) / median: cp ${spread(up.cpMiBs)}, tus-js-client ${spread(up.tus.miBs)}, curl ${spread(up.curl.miBs)}.`);
  if (ing) md.push(`- Ingest: spread: server ${spread(ing.runs.map((p) => p.server.readyMs))}, bare ${spread(ing.runs.map((p) => p.bare.totalMs))}.`);
  if (pr) md.push(`- ProRes playable: spread ${spread(pr.runs.map((p) => p.server.playableMs))}.`);
  md.push('');
  writeFileSync(RESULTS, md.join('\n'));
  log(`\nwrote ${RESULTS}`);
}

// ---- main --------------------------------------------------------------------------------------
if (!existsSync(BIN)) {
  console.error(`${BIN} is missing: run \`make build\` (or set FRAMEPROOF_BIN)`);
  process.exit(2);
}
const m = machine();
log(`Frameproof benchmarks — ${m.nproc} CPUs (${m.cpu}), ${m.git}, load ${results.load.start}; work dir ${work}`);
if (m.stale) log(`  warning: ${m.stale} is newer than ${BIN}; \`make build\` to benchmark the current code`);
let up = null;
let ing = null;
let pr = null;
let code = 0;
try {
  if (SECTIONS.has('upload')) up = await uploadSection();
  if (SECTIONS.has('ingest')) ing = await ingestSection();
  if (SECTIONS.has('prores')) pr = await proresSection();
  report(m, up, ing, pr);
} catch (e) {
  console.error(`\nbenchmark failed: ${e?.stack ?? e}`);
  code = 1;
} finally {
  for (const srv of [...servers]) await stopServer(srv);
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
